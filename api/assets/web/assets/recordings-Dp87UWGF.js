import{Z as d,aS as x,aT as O,aB as C,b as N,a1 as P,a2 as j,j as u,E as H,af as B,L as F,r as v,aU as h,R as $,ap as y,F as U,G as q}from"./index-CShd9G9y.js";const K=d(`
  query RecordingsSite($id: ID!) {
    site(id: $id) { id name domain timezone recordingsEnabled }
  }
`),z=d(`
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
`),J=d(`
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
`),X=d(`
  query Recording($id: ID!, $session: String!) {
    site(id: $id) {
      id
      recording(sessionId: $session) {
        sessionId startedAt endedAt durationSeconds pages country device browser os eventCount events
      }
    }
  }
`),Z=d(`
  query HeatmapPages($id: ID!, $range: DateRange!) {
    site(id: $id) {
      id
      pages: breakdown(range: $range, dimension: PAGE, limit: 100) { value pageviews }
    }
  }
`),ee=d(`
  query Heatmap($id: ID!, $path: String!, $range: DateRange!, $viewport: ViewportClass!, $columns: Int, $cellHeight: Int) {
    site(id: $id) {
      id
      heatmap(path: $path, range: $range, viewportClass: $viewport, columns: $columns, cellHeight: $cellHeight) {
        path viewportClass columns cellHeight clicks maxCount
        cells { column row count density }
      }
    }
  }
`),te=d(`
  query HeatmapRecording($id: ID!, $range: DateRange!, $page: [Filter!]!, $pageOnDevice: [Filter!]!, $first: Int!) {
    site(id: $id) {
      id
      onDevice: recordings(range: $range, filters: $pageOnDevice, first: $first) { nodes { sessionId } }
      any: recordings(range: $range, filters: $page, first: $first) { nodes { sessionId } }
    }
  }
`),ne=d(`
  query RecordingEvents($id: ID!, $session: String!) {
    site(id: $id) {
      id
      recording(sessionId: $session) { sessionId events }
    }
  }
`),_=[{id:"day",label:"Today"},{id:"yesterday",label:"Yesterday"},{id:"7d",label:"Last 7 days"},{id:"30d",label:"Last 30 days"}],D="7d";function re(e,t){switch(e){case"day":return{from:t,to:t};case"yesterday":{const n=O(t,-1);return{from:n,to:n}}case"7d":return x(t,7);case"30d":return x(t,30)}}function k(e){return _.find(t=>t.id===e)?.id??D}const E=[{dim:"PAGE",param:"page",label:"Page"},{dim:"COUNTRY",param:"country",label:"Country"},{dim:"BROWSER",param:"browser",label:"Browser"},{dim:"OS",param:"os",label:"Operating system"},{dim:"DEVICE",param:"device",label:"Device type"}],S=86400;function I(e){if(e===null||!/^\d{1,6}$/.test(e.trim()))return null;const t=Number(e.trim());return t<=S?t:null}function ae(e){const t=new URLSearchParams(e.replace(/^\?/,"")),n={};for(const{dim:i,param:s}of E){const l=t.get(s);l&&l.length<=2e3&&(n[i]=l)}const r=I(t.get("min")),a=I(t.get("max"));return{range:k(t.get("range")),filters:n,minDuration:r,maxDuration:a!==null&&r!==null&&a<r?null:a}}function ie(e){const t=new URLSearchParams;e.range!==D&&t.set("range",e.range);for(const{dim:r,param:a}of E){const i=e.filters[r];i&&t.set(a,i)}e.minDuration!==null&&t.set("min",String(e.minDuration)),e.maxDuration!==null&&t.set("max",String(e.maxDuration));const n=t.toString();return n?`?${n}`:""}function G(e){return E.flatMap(({dim:t})=>e.filters[t]?[{dimension:t,op:"IS",value:e.filters[t]}]:[])}function se(e){return G(e).length>0||e.minDuration!==null||e.maxDuration!==null}function T(e){const t=e.trim();return t===""?null:/^\d+$/.test(t)?Number(t)>S?`At most ${S} seconds.`:null:"Enter a whole number of seconds."}function oe(e,t){const n={},r=T(e),a=T(t);if(r&&(n.min=r),a&&(n.max=a),r||a)return n;const i=e.trim()===""?null:Number(e.trim()),s=t.trim()===""?null:Number(t.trim());return i!==null&&s!==null&&s<i?{max:"The longest must not be shorter than the shortest."}:{minDuration:i,maxDuration:s}}function le(e,t){return e!==null&&t!==null?`Between ${f(e)} and ${f(t)}`:e!==null?`At least ${f(e)}`:t!==null?`At most ${f(t)}`:null}function f(e){return e<60||e%60!==0?`${e} s`:e<3600||e%3600!==0?`${e/60} min`:`${e/3600} h`}function ue(e){const t=Math.max(0,Math.floor(e/1e3)),n=Math.floor(t/3600),r=Math.floor(t%3600/60),a=t%60,i=String(a).padStart(2,"0");return n>0?`${n}:${String(r).padStart(2,"0")}:${i}`:`${r}:${i}`}function ce(e){const t=Math.max(0,Math.floor(e/1e3)),n=Math.floor(t/3600),r=Math.floor(t%3600/60),a=t%60,i=(l,o)=>`${l} ${o}${l===1?"":"s"}`;return[n?i(n,"hour"):"",r?i(r,"minute"):"",a||!n&&!r?i(a,"second"):""].filter(Boolean).join(" ")}function de(e,t){const n=new Date(e);if(Number.isNaN(n.getTime()))return e;const r={day:"numeric",month:"short",year:"numeric",hour:"2-digit",minute:"2-digit",hourCycle:"h23"};try{return n.toLocaleString("en-GB",{...r,timeZone:t})}catch{return n.toLocaleString("en-GB",{...r,timeZone:"UTC"})}}const R=2,m=4;function fe(e){if(!Array.isArray(e))return null;for(const t of e){if(!t||typeof t!="object")return null;const{type:n,timestamp:r}=t;if(typeof n!="number"||typeof r!="number")return null}return e}function M(e){if(e.type!==m||!e.data||typeof e.data!="object")return null;const t=e.data.href;return typeof t=="string"?t:null}function A(e){try{return new URL(e).pathname}catch{return e}}function ge(e){if(e.length===0)return[];const t=e[0].timestamp,n=[];return e.forEach((r,a)=>{const i=M(r);if(i===null)return;const s=A(i);if(n.length&&n[n.length-1].path===s)return;let l=r.timestamp;for(let o=a+1;o<e.length&&e[o].type!==m;o++)if(e[o].type===R){l=e[o].timestamp;break}n.push({path:s,href:i,offset:Math.max(0,l-t)})}),n}function me(e,t){let n=e.length?0:-1;for(let r=0;r<e.length;r++)e[r].offset<=t&&(n=r);return n}function pe(e){const t=e.findIndex(n=>n.type===m);return t>=0&&e.some((n,r)=>r>t&&n.type===R)}function he(e){if(!e||!e.data||typeof e.data!="object")return null;const{width:t,height:n}=e.data;return typeof t!="number"||typeof n!="number"||t<=0||n<=0?null:{width:t,height:n}}function $e(e,t){for(let n=0;n<e.length;n++){const r=M(e[n]);if(!(r===null||A(r)!==t))for(let a=n+1;a<e.length;a++){const i=e[a];if(i.type===R)return[e[n],i];if(i.type===m)break}}return null}const L=[{id:"DESKTOP",label:"Desktop",widths:"1024 px and wider",short:"≥ 1024 px",outline:1280,device:"Desktop"},{id:"TABLET",label:"Tablet",widths:"768 to 1023 px",short:"768–1023 px",outline:768,device:"Tablet"},{id:"MOBILE",label:"Mobile",widths:"narrower than 768 px",short:"< 768 px",outline:375,device:"Mobile"}];function ye(e){return L.find(t=>t.id===e)}function Se(e){return e<768?"MOBILE":e<1024?"TABLET":"DESKTOP"}function we(e){const t=new URLSearchParams(e.replace(/^\?/,"")),n=t.get("path"),r=t.get("viewport")?.toUpperCase();return{path:n&&n.trim()&&n.length<=2e3?n:null,viewport:L.find(a=>a.id===r)?.id??"DESKTOP",range:k(t.get("range"))}}function be(e){const t=new URLSearchParams;e.path&&t.set("path",e.path),e.viewport!=="DESKTOP"&&t.set("viewport",e.viewport),e.range!==D&&t.set("range",e.range);const n=t.toString();return n?`?${n}`:""}function De(e){let t=null;for(const n of e)(!t||n.count>t.count)&&(t=n);return t}function Ee(e,t){return[...e].sort((n,r)=>r.count-n.count||n.row-r.row||n.column-r.column).slice(0,t)}function Re(e){return e.reduce((t,n)=>Math.max(t,n.row+1),0)}const g=[[37,99,235],[6,182,212],[250,204,21],[249,115,22],[220,38,38]];function xe(e,t){const n=t>0?Math.sqrt(Math.min(1,Math.max(0,e/t))):0,r=n*(g.length-1),a=Math.min(g.length-2,Math.floor(r)),i=r-a,[s,l]=[g[a],g[a+1]],o=p=>Math.round(s[p]+(l[p]-s[p])*i),c=(.35+.4*n).toFixed(2);return`rgba(${o(0)}, ${o(1)}, ${o(2)}, ${c})`}function ve(e,t,n,r){const a=r/t,i=Math.round(e.column*a),s=Math.round((e.column+1)*a);return`x ${i}–${s} px, y ${e.row*n}–${(e.row+1)*n} px`}const w=[1,2,4,8];function Ie(e,t,n){const r=Math.max(240,n*.7);return Math.min(1,Math.max(0,e)/t.width,r/t.height)}function Te(e,t){if(!(t.width>0&&t.height>0))return{scale:1,left:0,top:0};const n=Math.min(1,e.width/t.width,e.height/t.height);return{scale:n,left:(e.width-t.width*n)/2,top:(e.height-t.height*n)/2}}const ke=[{keys:["Space","K"],does:"Play or pause"},{keys:["←","→"],does:"Back or forward 5 seconds"},{keys:["J","L"],does:"Back or forward 10 seconds"},{keys:w.map((e,t)=>String(t+1)),does:`Speed ${w.map(e=>`${e}×`).join(", ")}`},{keys:["S"],does:"Skip inactivity on or off"}],Me={"←":"Left arrow","→":"Right arrow"};function Q(e){const t=e;if(!t||typeof t.tagName!="string")return!1;if(["BUTTON","SUMMARY"].includes(t.tagName.toUpperCase()))return!0;const n=typeof t.getAttribute=="function"?t.getAttribute("role"):null;return n!==null&&["button","checkbox","switch","radio","tab","menuitem","option"].includes(n)}const Y=new Map([["ArrowLeft",-5e3],["ArrowRight",5e3],["j",-1e4],["l",1e4]]);function Ae(e){if(e.ctrlKey||e.metaKey||e.altKey||C(e.target))return null;const t=e.key.length===1?e.key.toLowerCase():e.key;if(t===" "&&Q(e.target))return null;if(t===" "||t==="k")return e.repeat?null:{kind:"toggle"};if(t==="s")return e.repeat?null:{kind:"skip"};const n=Y.get(t);if(n!==void 0)return{kind:"seek",by:n};const r=/^[1-9]$/.test(t)?w[Number(t)-1]:void 0;return r!==void 0?{kind:"speed",speed:r}:null}function Le(e,t){return N({queryKey:["recordingsSite",e],queryFn:async()=>(await q(K,{id:e})).site,retry:U,enabled:t,staleTime:6e4})}const V={readRecordings:e=>`Your role in ${e} does not include session recordings: owners, admins and viewers may watch them.`,readSites:e=>`Your role in ${e} does not include reading sites and reports.`};function Oe({title:e,need:t,queries:n,loading:r=u.jsx(F,{label:"Loading the site…",lines:4}),children:a}){const i=P(),s=n,l=s.filter(c=>c.isError);let o;if(!j(i.viewerRole,t))o=u.jsx("p",{children:V[t](i.name)});else if(l.length)o=u.jsx(H,{error:l[0].error,onRetry:()=>l.forEach(c=>void c.refetch())});else if(s.some(c=>c.data===void 0))o=r;else return u.jsx(u.Fragment,{children:a(...s.map(c=>c.data))});return u.jsxs(u.Fragment,{children:[u.jsx(B,{title:e}),o]})}function Ce(e){const[t,n]=v.useState(()=>h(new Date,e));return v.useEffect(()=>{n(h(new Date,e));const r=window.setInterval(()=>n(h(new Date,e)),6e4);return()=>window.clearInterval(r)},[e]),t}function Ne({org:e,site:t,name:n,current:r}){return u.jsxs(u.Fragment,{children:[u.jsx($,{href:y.dashboard(e,t),"aria-label":`Dashboard of ${n}`,children:"Dashboard"}),r!=="recordings"?u.jsx($,{href:y.recordings(e,t,r==="recording"&&b.site===t?b.search:""),"aria-label":`${r==="recording"?"All recordings":"Recordings"} of ${n}`,children:r==="recording"?"All recordings":"Recordings"}):null,r!=="heatmaps"?u.jsx($,{href:y.heatmaps(e,t),"aria-label":`Heatmaps of ${n}`,children:"Heatmaps"}):null]})}let b={site:"",search:""};function Pe(e,t){b={site:e,search:t}}export{Se as A,be as B,we as C,ee as D,te as E,ne as F,$e as G,Z as H,Te as I,Ae as J,ce as K,me as L,ue as M,w as N,Me as O,ke as P,Ie as Q,Oe as R,Ne as S,L as V,Ce as a,re as b,G as c,z as d,le as e,_ as f,E as g,se as h,de as i,ae as j,J as k,ie as l,fe as m,ge as n,pe as o,oe as p,X as q,Pe as r,De as s,xe as t,Le as u,ve as v,Ee as w,ye as x,he as y,Re as z};
