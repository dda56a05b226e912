// The documents of the recordings list, the player and the heatmaps. Kept
// apart from documents.ts so that they load with those pages' chunks, not
// with the app shell.
import { graphql } from './graphql';

/** What the three pages show of the site: its name, time zone (its "today") and whether it records. */
export const RecordingsSiteQuery = graphql(`
  query RecordingsSite($id: ID!) {
    site(id: $id) { id name domain timezone recordingsEnabled }
  }
`);

/** One page of the recordings list, newest first. */
export const RecordingsQuery = graphql(`
  query Recordings(
    $id: ID!
    $range: DateRange!
    $filters: [Filter!]
    $min: Int
    $max: Int
    $first: Int!
    $after: String
  ) {
    site(id: $id) {
      id
      recordings(range: $range, filters: $filters, minDurationSeconds: $min, maxDurationSeconds: $max, first: $first, after: $after) {
        edges {
          cursor
          node { sessionId startedAt durationSeconds pages country device browser os }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

/** The values the list's filters offer: the range's top pages, countries, browsers, systems and devices. */
export const RecordingFilterOptionsQuery = graphql(`
  query RecordingFilterOptions($id: ID!, $range: DateRange!, $limit: Int!) {
    site(id: $id) {
      id
      pages: breakdown(range: $range, dimension: PAGE, limit: $limit) { value }
      countries: breakdown(range: $range, dimension: COUNTRY, limit: $limit) { value }
      browsers: breakdown(range: $range, dimension: BROWSER, limit: $limit) { value }
      oses: breakdown(range: $range, dimension: OS, limit: $limit) { value }
      devices: breakdown(range: $range, dimension: DEVICE, limit: $limit) { value }
    }
  }
`);

/** A recording with its rrweb events, for the player. */
export const RecordingQuery = graphql(`
  query Recording($id: ID!, $session: String!) {
    site(id: $id) {
      id
      recording(sessionId: $session) {
        sessionId startedAt endedAt durationSeconds pages country device browser os eventCount events
      }
    }
  }
`);

/** The pages a heatmap may show: the range's top pages. */
export const HeatmapPagesQuery = graphql(`
  query HeatmapPages($id: ID!, $range: DateRange!) {
    site(id: $id) {
      id
      pages: breakdown(range: $range, dimension: PAGE, limit: 100) { value pageviews }
    }
  }
`);

/** Clicks on a page per grid cell, for one viewport class. */
export const HeatmapQuery = graphql(`
  query Heatmap($id: ID!, $path: String!, $range: DateRange!, $viewport: ViewportClass!, $columns: Int, $cellHeight: Int) {
    site(id: $id) {
      id
      heatmap(path: $path, range: $range, viewportClass: $viewport, columns: $columns, cellHeight: $cellHeight) {
        path viewportClass columns cellHeight clicks maxCount
        cells { column row count density }
      }
    }
  }
`);

/**
 * The newest recordings of a page, for the heatmap's backdrop: those on
 * the viewport class's device type first, then any.
 */
export const HeatmapRecordingQuery = graphql(`
  query HeatmapRecording($id: ID!, $range: DateRange!, $page: [Filter!]!, $pageOnDevice: [Filter!]!, $first: Int!) {
    site(id: $id) {
      id
      onDevice: recordings(range: $range, filters: $pageOnDevice, first: $first) { nodes { sessionId } }
      any: recordings(range: $range, filters: $page, first: $first) { nodes { sessionId } }
    }
  }
`);

/** Only a recording's events (the heatmap keeps one snapshot of them). */
export const RecordingEventsQuery = graphql(`
  query RecordingEvents($id: ID!, $session: String!) {
    site(id: $id) {
      id
      recording(sessionId: $session) { sessionId events }
    }
  }
`);
