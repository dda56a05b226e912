import { describe, expect, it } from 'vitest';
import { inertCss, inertUrl } from './replayCsp';

describe('replays load nothing', () => {
  it('keeps only URLs that fetch nothing', () => {
    for (const ok of ['', ' data:image/png;base64,AAAA', '#clip', 'about:blank', 'DATA:image/svg+xml,<svg/>']) expect(inertUrl(ok)).toBe(true);
    for (const bad of ['https://site.example/a.png', '//cdn.example/x.css', '/logo.svg', 'logo.svg', 'javascript:alert(1)']) expect(inertUrl(bad)).toBe(false);
  });
  it('takes loads out of CSS and keeps the rest', () => {
    expect(inertCss('.a { background: url(https://x.example/a.png) no-repeat; color: red }')).toBe('.a { background: none no-repeat; color: red }');
    expect(inertCss(`.b { background-image: url("data:image/png;base64,AA"), url('/b.png') }`)).toBe(
      `.b { background-image: url("data:image/png;base64,AA"), none }`,
    );
    expect(inertCss('.c { clip-path: url(#clip) }')).toBe('.c { clip-path: url(#clip) }');
    expect(inertCss('@import url("x.css");\n@font-face { font-family: X; src: url(x.woff2) format("woff2") }\nbody { font-family: X }')).toBe(
      '\n\nbody { font-family: X }',
    );
    expect(inertCss('.d { background-image: image-set("a.png" 1x, "a2.png" 2x) }')).toBe('.d { background-image: none }');
    expect(inertCss('color: blue; width: 10px')).toBe('color: blue; width: 10px');
  });
});
