import { Link } from 'wouter';
import { PageHeader } from '../components/PageHeader';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>This page does not exist, or you have no access to it.</p>
      <Link href="/">Go to your sites</Link>
    </>
  );
}
