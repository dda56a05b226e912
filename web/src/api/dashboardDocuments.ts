// The dashboard's documents. Kept apart from documents.ts so that they load
// with the dashboard's chunk, not with the app shell.
import { graphql } from './graphql';

/** The site's name and time zone (to know its "today"), and its current visitors; polled. */
export const DashboardSiteQuery = graphql(`
  query DashboardSite($id: ID!) {
    site(id: $id) { id name domain timezone realtimeVisitors }
  }
`);

/**
 * Everything one view of the dashboard shows, in one request: top stats
 * (with the previous period when comparing), the chart's series (and the
 * previous period's), and each panel's open tab.
 */
export const DashboardQuery = graphql(`
  query Dashboard(
    $id: ID!
    $range: DateRange!
    $previousRange: DateRange!
    $compare: Boolean!
    $interval: Interval!
    $filters: [Filter!]
    $sources: Dimension!
    $pages: Dimension!
    $locations: Dimension!
    $devices: Dimension!
    $limit: Int!
  ) {
    site(id: $id) {
      id
      stats(range: $range, filters: $filters) {
        visitors visits pageviews events bounceRate visitDurationSeconds viewsPerVisit
        previous @include(if: $compare) { visitors visits pageviews events bounceRate visitDurationSeconds viewsPerVisit }
      }
      series: timeseries(range: $range, interval: $interval, filters: $filters) { at visitors pageviews }
      previousSeries: timeseries(range: $previousRange, interval: $interval, filters: $filters) @include(if: $compare) {
        at visitors pageviews
      }
      sources: breakdown(range: $range, dimension: $sources, filters: $filters, limit: $limit) { value visitors pageviews }
      pages: breakdown(range: $range, dimension: $pages, filters: $filters, limit: $limit) { value visitors pageviews }
      locations: breakdown(range: $range, dimension: $locations, filters: $filters, limit: $limit) { value visitors pageviews }
      devices: breakdown(range: $range, dimension: $devices, filters: $filters, limit: $limit) { value visitors pageviews }
    }
  }
`);
