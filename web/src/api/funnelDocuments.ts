// The funnels page's documents. Kept apart from documents.ts so that they
// load with the page's own chunk, not with the app shell.
import { graphql } from './graphql';

/** The site (its time zone, for "today"), its goals (for steps) and its funnels. */
export const FunnelsSiteQuery = graphql(`
  query FunnelsSite($id: ID!) {
    site(id: $id) {
      id name domain timezone
      goals { id name }
      funnels { id name createdAt steps { label pagePattern eventName } }
    }
  }
`);

/** One funnel over a range: the visitors reaching each step. */
export const FunnelReportQuery = graphql(`
  query FunnelReport($id: ID!, $funnel: ID!, $range: DateRange!) {
    site(id: $id) {
      id
      funnel(id: $funnel, range: $range) {
        funnel { id name }
        steps { label visitors dropOff conversionRate }
      }
    }
  }
`);

export const CreateFunnelMutation = graphql(`
  mutation CreateFunnel($input: CreateFunnelInput!) {
    createFunnel(input: $input) { id name }
  }
`);

export const DeleteFunnelMutation = graphql(`
  mutation DeleteFunnel($id: ID!) {
    deleteFunnel(id: $id)
  }
`);
