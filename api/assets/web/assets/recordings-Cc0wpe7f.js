import{g as u,t as E,v as L,u as C,j as c,L as p,p as h,r as x,w as $,b as P,c as H}from"./index-BCxuygYh.js";const q=u(`
  query RecordingsSite($id: ID!) {
    site(id: $id) { id name domain timezone recordingsEnabled }
  }
`),B=u(`
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
`),U=u(`
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
`),j=u(`
  query Recording($id: ID!, $session: String!) {
    site(id: $id) {
      id
      recording(sessionId: $session) {
        sessionId startedAt endedAt durationSeconds pages country device browser os eventCount events
      }
    }
  }
`),Q=u(`
  query HeatmapPages($id: ID!, $range: DateRange!) {
    site(id: $id) {
      id
      pages: breakdown(range: $range, dimension: PAGE, limit: 100) { value pageviews }
    }
  }
`),G=u(`
  query Heatmap($id: ID!, $path: String!, $range: DateRange!, $viewport: ViewportClass!, $columns: Int, $cellHeight: Int) {
    site(id: $id) {
      id
      heatmap(path: $path, range: $range, viewportClass: $viewport, columns: $columns, cellHeight: $cellHeight) {
        path viewportClass columns cellHeight clicks maxCount
        cells { column row count density }
      }
    }
  }
`),V=u(`
  query HeatmapRecording($id: ID!, $range: DateRange!, $page: [Filter!]!, $pageOnDevice: [Filter!]!, $first: Int!) {
    site(id: $id) {
      id
      onDevice: recordings(range: $range, filters: $pageOnDevice, first: $first) { nodes { sessionId } }
      any: recordings(range: $range, filters: $page, first: $first) { nodes { sessionId } }
    }
  }
`),_=u(`
  query RecordingEvents($id: ID!, $session: String!) {
    site(id: $id) {
      id
      recording(sessionId: $session) { sessionId events }
    }
  }
`),N=[{id:"day",label:"Today"},{id:"yesterday",label:"Yesterday"},{id:"7d",label:"Last 7 days"},{id:"30d",label:"Last 30 days"}],b="7d";function K(t,e){switch(t){case"day":return{from:e,to:e};case"yesterday":{const n=L(e,-1);return{from:n,to:n}}case"7d":return E(e,7);case"30d":return E(e,30)}}function v(t){return N.find(e=>e.id===t)?.id??b}const D=[{dim:"PAGE",param:"page",label:"Page"},{dim:"COUNTRY",param:"country",label:"Country"},{dim:"BROWSER",param:"browser",label:"Browser"},{dim:"OS",param:"os",label:"Operating system"},{dim:"DEVICE",param:"device",label:"Device type"}],y=86400;function R(t){if(t===null||!/^\d{1,6}$/.test(t.trim()))return null;const e=Number(t.trim());return e<=y?e:null}function W(t){const e=new URLSearchParams(t.replace(/^\?/,"")),n={};for(const{dim:i,param:s}of D){const o=e.get(s);o&&o.length<=2e3&&(n[i]=o)}const r=R(e.get("min")),a=R(e.get("max"));return{range:v(e.get("range")),filters:n,minDuration:r,maxDuration:a!==null&&r!==null&&a<r?null:a}}function z(t){const e=new URLSearchParams;t.range!==b&&e.set("range",t.range);for(const{dim:r,param:a}of D){const i=t.filters[r];i&&e.set(a,i)}t.minDuration!==null&&e.set("min",String(t.minDuration)),t.maxDuration!==null&&e.set("max",String(t.maxDuration));const n=e.toString();return n?`?${n}`:""}function k(t){return D.flatMap(({dim:e})=>t.filters[e]?[{dimension:e,op:"IS",value:t.filters[e]}]:[])}function Y(t){return k(t).length>0||t.minDuration!==null||t.maxDuration!==null}function I(t){const e=t.trim();return e===""?null:/^\d+$/.test(e)?Number(e)>y?`At most ${y} seconds.`:null:"Enter a whole number of seconds."}function J(t,e){const n={},r=I(t),a=I(e);if(r&&(n.min=r),a&&(n.max=a),r||a)return n;const i=t.trim()===""?null:Number(t.trim()),s=e.trim()===""?null:Number(e.trim());return i!==null&&s!==null&&s<i?{max:"The longest must not be shorter than the shortest."}:{minDuration:i,maxDuration:s}}function X(t,e){return t!==null&&e!==null?`Between ${d(t)} and ${d(e)}`:t!==null?`At least ${d(t)}`:e!==null?`At most ${d(e)}`:null}function d(t){return t<60||t%60!==0?`${t} s`:t<3600||t%3600!==0?`${t/60} min`:`${t/3600} h`}function Z(t){const e=Math.max(0,Math.floor(t/1e3)),n=Math.floor(e/3600),r=Math.floor(e%3600/60),a=e%60,i=String(a).padStart(2,"0");return n>0?`${n}:${String(r).padStart(2,"0")}:${i}`:`${r}:${i}`}function tt(t){const e=Math.max(0,Math.floor(t/1e3)),n=Math.floor(e/3600),r=Math.floor(e%3600/60),a=e%60,i=(o,l)=>`${o} ${l}${o===1?"":"s"}`;return[n?i(n,"hour"):"",r?i(r,"minute"):"",a||!n&&!r?i(a,"second"):""].filter(Boolean).join(" ")}function et(t,e){const n=new Date(t);if(Number.isNaN(n.getTime()))return t;const r={day:"numeric",month:"short",year:"numeric",hour:"2-digit",minute:"2-digit",hourCycle:"h23"};try{return n.toLocaleString("en-GB",{...r,timeZone:e})}catch{return n.toLocaleString("en-GB",{...r,timeZone:"UTC"})}}const w=2,m=4;function nt(t){if(!Array.isArray(t))return null;for(const e of t){if(!e||typeof e!="object")return null;const{type:n,timestamp:r}=e;if(typeof n!="number"||typeof r!="number")return null}return t}function T(t){if(t.type!==m||!t.data||typeof t.data!="object")return null;const e=t.data.href;return typeof e=="string"?e:null}function M(t){try{return new URL(t).pathname}catch{return t}}function rt(t){if(t.length===0)return[];const e=t[0].timestamp,n=[];return t.forEach((r,a)=>{const i=T(r);if(i===null)return;const s=M(i);if(n.length&&n[n.length-1].path===s)return;let o=r.timestamp;for(let l=a+1;l<t.length&&t[l].type!==m;l++)if(t[l].type===w){o=t[l].timestamp;break}n.push({path:s,href:i,offset:Math.max(0,o-e)})}),n}function at(t,e){let n=t.length?0:-1;for(let r=0;r<t.length;r++)t[r].offset<=e&&(n=r);return n}function it(t){const e=t.findIndex(n=>n.type===m);return e>=0&&t.some((n,r)=>r>e&&n.type===w)}function st(t){if(!t||!t.data||typeof t.data!="object")return null;const{width:e,height:n}=t.data;return typeof e!="number"||typeof n!="number"||e<=0||n<=0?null:{width:e,height:n}}function ot(t,e){for(let n=0;n<t.length;n++){const r=T(t[n]);if(!(r===null||M(r)!==e))for(let a=n+1;a<t.length;a++){const i=t[a];if(i.type===w)return[t[n],i];if(i.type===m)break}}return null}const O=[{id:"DESKTOP",label:"Desktop",widths:"1024 px and wider",short:"≥ 1024 px",outline:1280,device:"Desktop"},{id:"TABLET",label:"Tablet",widths:"768 to 1023 px",short:"768–1023 px",outline:768,device:"Tablet"},{id:"MOBILE",label:"Mobile",widths:"narrower than 768 px",short:"< 768 px",outline:375,device:"Mobile"}];function lt(t){return O.find(e=>e.id===t)}function ut(t){return t<768?"MOBILE":t<1024?"TABLET":"DESKTOP"}function ct(t){const e=new URLSearchParams(t.replace(/^\?/,"")),n=e.get("path"),r=e.get("viewport")?.toUpperCase();return{path:n&&n.trim()&&n.length<=2e3?n:null,viewport:O.find(a=>a.id===r)?.id??"DESKTOP",range:v(e.get("range"))}}function dt(t){const e=new URLSearchParams;t.path&&e.set("path",t.path),t.viewport!=="DESKTOP"&&e.set("viewport",t.viewport),t.range!==b&&e.set("range",t.range);const n=e.toString();return n?`?${n}`:""}function ft(t){let e=null;for(const n of t)(!e||n.count>e.count)&&(e=n);return e}function mt(t,e){return[...t].sort((n,r)=>r.count-n.count||n.row-r.row||n.column-r.column).slice(0,e)}function gt(t){return t.reduce((e,n)=>Math.max(e,n.row+1),0)}const f=[[37,99,235],[6,182,212],[250,204,21],[249,115,22],[220,38,38]];function pt(t,e){const n=e>0?Math.sqrt(Math.min(1,Math.max(0,t/e))):0,r=n*(f.length-1),a=Math.min(f.length-2,Math.floor(r)),i=r-a,[s,o]=[f[a],f[a+1]],l=g=>Math.round(s[g]+(o[g]-s[g])*i),A=(.35+.4*n).toFixed(2);return`rgba(${l(0)}, ${l(1)}, ${l(2)}, ${A})`}function ht(t,e,n,r){const a=r/e,i=Math.round(t.column*a),s=Math.round((t.column+1)*a);return`x ${i}–${s} px, y ${t.row*n}–${(t.row+1)*n} px`}const $t=[1,2,4,8];function yt(t,e,n){const r=Math.max(240,n*.7);return Math.min(1,Math.max(0,t)/e.width,r/e.height)}function St(t,e){return C({queryKey:["recordingsSite",t],queryFn:async()=>(await H(q,{id:t})).site,retry:P,enabled:e,staleTime:6e4})}function bt(t){const[e,n]=x.useState(()=>$(new Date,t));return x.useEffect(()=>{n($(new Date,t));const r=window.setInterval(()=>n($(new Date,t)),6e4);return()=>window.clearInterval(r)},[t]),e}function Dt({org:t,site:e,name:n,current:r}){return c.jsxs(c.Fragment,{children:[c.jsx(p,{href:h.dashboard(t,e),"aria-label":`Dashboard of ${n}`,children:"Dashboard"}),r!=="recordings"?c.jsx(p,{href:h.recordings(t,e,r==="recording"&&S.site===e?S.search:""),"aria-label":`${r==="recording"?"All recordings":"Recordings"} of ${n}`,children:r==="recording"?"All recordings":"Recordings"}):null,r!=="heatmaps"?c.jsx(p,{href:h.heatmaps(t,e),"aria-label":`Heatmaps of ${n}`,children:"Heatmaps"}):null]})}let S={site:"",search:""};function wt(t,e){S={site:t,search:e}}export{dt as A,ct as B,G as C,V as D,_ as E,ot as F,at as G,Q as H,Z as I,$t as J,tt as K,yt as L,B as R,Dt as S,O as V,bt as a,K as b,k as c,X as d,N as e,D as f,et as g,Y as h,W as i,U as j,nt as k,z as l,rt as m,it as n,j as o,J as p,ft as q,wt as r,pt as s,ht as t,St as u,mt as v,lt as w,st as x,gt as y,ut as z};
