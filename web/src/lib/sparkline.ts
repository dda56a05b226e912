// The points of a small inline SVG sparkline.

/** An SVG path ("M x y L …") through `values` scaled into width × height, with `pad` pixels of margin. */
export function sparklinePath(values: readonly number[], width: number, height: number, pad = 2): string {
  if (values.length === 0) return '';
  const max = Math.max(...values, 1);
  const innerW = width - pad * 2;
  const innerH = height - pad * 2;
  const step = values.length > 1 ? innerW / (values.length - 1) : 0;
  return values
    .map((v, i) => {
      const x = pad + (values.length > 1 ? i * step : innerW / 2);
      const y = pad + innerH - (Math.max(0, v) / max) * innerH;
      return `${i === 0 ? 'M' : 'L'}${round(x)} ${round(y)}`;
    })
    .join(' ');
}

function round(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
