// The dashboard's segment mutations (the list comes with the Dashboard
// query). Apart from documents.ts so that they load with the dashboard's
// chunk, not with the app shell.
import { graphql } from './graphql';

export const CreateSegmentMutation = graphql(`
  mutation CreateSegment($input: CreateSegmentInput!) {
    createSegment(input: $input) { id name shared mine filters { dimension op value key } }
  }
`);

export const DeleteSegmentMutation = graphql(`
  mutation DeleteSegment($id: ID!) { deleteSegment(id: $id) }
`);
