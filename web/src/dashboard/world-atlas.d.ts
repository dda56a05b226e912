// world-atlas ships TopoJSON files; the map imports one as a module.
declare module 'world-atlas/countries-110m.json' {
  import type { Topology } from 'topojson-specification';
  const topology: Topology;
  export default topology;
}
