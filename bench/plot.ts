/**
 * One SVG line chart, written by hand (no dependency): ns per match (p50, log scale)
 * against rule count (log scale), one line per series.
 */
export interface Series {
  name: string;
  color: string;
  points: [rules: number, ns: number][];
}

export function plotSvg(series: readonly Series[], title: string): string {
  const w = 640;
  const h = 400;
  const m = { l: 64, r: 170, t: 36, b: 48 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  const x0 = Math.log10(Math.min(...xs));
  const x1 = Math.log10(Math.max(...xs));
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (x: number) => m.l + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (w - m.l - m.r);
  const py = (y: number) => h - m.b - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (h - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${m.l}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${label(10 ** e)} ns</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${m.t}" y2="${h - m.b}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${h - m.b + 16}" text-anchor="middle">${x.toLocaleString("en-US")}</text>`);
  }
  out.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 10}" text-anchor="middle">rules</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p[1] > 0);
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(" ")}"/>`,
    );
    for (const p of pts) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = m.t + 10 + i * 18;
    out.push(`<line x1="${w - m.r + 12}" x2="${w - m.r + 32}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${w - m.r + 38}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function label(v: number): string {
  return v >= 1000 ? `${v / 1000} µ`.replace(" µ", "k") : String(v);
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}
