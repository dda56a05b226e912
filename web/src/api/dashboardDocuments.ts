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
 * A share link's page (`X-Trackr-Share`, api/client.ts): the link's name
 * and its site, as `DashboardSite` has it; polled the same.
 */
export const SharedSiteQuery = graphql(`
  query SharedSite {
    sharedSite {
      name
      site { id name domain timezone realtimeVisitors }
    }
  }
`);

/**
 * Everything one view of the dashboard shows, in one request: top stats
 * (with the compared period's when comparing), the chart's series with
 * every figure (so that switching the chart's metric costs nothing) and
 * the compared period's point beside each, each panel's open tab, and the
 * custom events or, when the Events panel's Goals tab is open
 * (`$goalsTab`), the goals' conversions instead, or, when its Properties
 * tab is (`$propertiesTab`), the range's property keys and the values of
 * one (`$propertyKey`; none until the page knows the keys, when the URL
 * names no key: `$propertyValues`). The goals' names come
 * always (a short list): the filter chips and dialog name a GOAL filter's
 * goal by them; the segments as well, for the Segment control and its
 * chip (dashboard/Segments.tsx), but on a share link's page (which may
 * not read them: `$segments`). `$comparison` is null when not comparing (`stats` needs
 * one all the same: `$statsComparison`, whose `previous` is then left out).
 */
export const DashboardQuery = graphql(`
  query Dashboard(
    $id: ID!
    $range: DateRange!
    $comparing: Boolean!
    $comparison: Comparison
    $statsComparison: Comparison!
    $interval: Interval!
    $filters: [Filter!]
    $sources: Dimension!
    $pages: Dimension!
    $locations: Dimension!
    $locationsLimit: Int!
    $devices: Dimension!
    $limit: Int!
    $eventsLimit: Int!
    $pageVisits: Boolean!
    $goalsTab: Boolean!
    $eventsTab: Boolean!
    $propertiesTab: Boolean!
    $propertyValues: Boolean!
    $propertyKey: String
    $segments: Boolean!
  ) {
    site(id: $id) {
      id
      stats(range: $range, filters: $filters, compare: $statsComparison) {
        visitors visits pageviews events bounceRate visitDurationSeconds viewsPerVisit
        previous @include(if: $comparing) { visitors visits pageviews events bounceRate visitDurationSeconds viewsPerVisit }
      }
      series: timeseries(range: $range, interval: $interval, filters: $filters, compare: $comparison) {
        at visitors visits pageviews events bounceRate visitDurationSeconds viewsPerVisit
        previous { at visitors visits pageviews events bounceRate visitDurationSeconds viewsPerVisit }
      }
      sources: breakdown(range: $range, dimension: $sources, filters: $filters, limit: $limit) { ...Row }
      pages: breakdown(range: $range, dimension: $pages, filters: $filters, limit: $limit) {
        ...Row
        visits @include(if: $pageVisits)
        bounceRate @include(if: $pageVisits)
      }
      locations: breakdown(range: $range, dimension: $locations, filters: $filters, limit: $locationsLimit) { ...Row }
      devices: breakdown(range: $range, dimension: $devices, filters: $filters, limit: $limit) { ...Row }
      events: breakdown(range: $range, dimension: EVENT_NAME, filters: $filters, limit: $eventsLimit) @include(if: $eventsTab) { ...Row }
      propertyKeys(range: $range, filters: $filters) @include(if: $propertiesTab) { key visitors events }
      properties: breakdown(range: $range, dimension: PROPERTY, key: $propertyKey, filters: $filters, limit: $limit) @include(if: $propertyValues) {
        ...Row
      }
      goals { id name currency }
      segments @include(if: $segments) { id name shared mine filters { dimension op value key } }
      goalConversions(range: $range, filters: $filters) @include(if: $goalsTab) {
        goal { id name currency }
        visitors conversions conversionRate
        revenue { currency total average }
      }
    }
  }
  fragment Row on BreakdownRow { value visitors pageviews events }
`);

/**
 * A details dialog's rows: up to 1000 of one dimension; for top pages
 * (`$engagement`) their scroll depth and time on page too, which cost the
 * server a scan of the raw events: asked for only there.
 */
export const BreakdownDetailsQuery = graphql(`
  query BreakdownDetails($id: ID!, $range: DateRange!, $dimension: Dimension!, $filters: [Filter!], $limit: Int!, $engagement: Boolean!) {
    site(id: $id) {
      id
      breakdown(range: $range, dimension: $dimension, filters: $filters, limit: $limit) {
        value visitors visits pageviews events bounceRate visitDurationSeconds
        scrollDepth @include(if: $engagement)
        timeOnPageSeconds @include(if: $engagement)
      }
    }
  }
`);

/** Values a filter may take, for the "Add filter" dialog. */
export const SuggestionsQuery = graphql(`
  query FilterSuggestions($id: ID!, $range: DateRange!, $dimension: Dimension!, $key: String, $text: String!, $filters: [Filter!]) {
    site(id: $id) {
      id
      suggestions(range: $range, dimension: $dimension, key: $key, text: $text, filters: $filters, limit: 10)
    }
  }
`);

/** Custom-property keys of the range, for the "Add filter" dialog's Property field. */
export const PropertyKeysQuery = graphql(`
  query FilterPropertyKeys($id: ID!, $range: DateRange!) {
    site(id: $id) {
      id
      propertyKeys(range: $range, limit: 100) { key }
    }
  }
`);

/** The realtime view: the last 30 minutes; polled. */
export const RealtimeQuery = graphql(`
  query DashboardRealtime($id: ID!) {
    site(id: $id) {
      id
      realtime {
        visitors
        perMinute { at visitors pageviews }
        pages { value visitors visits pageviews events bounceRate visitDurationSeconds }
        sources { value visitors visits pageviews events bounceRate visitDurationSeconds }
        countries { value visitors visits pageviews events bounceRate visitDurationSeconds }
      }
    }
  }
`);
