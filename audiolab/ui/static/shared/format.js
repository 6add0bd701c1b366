// Text forms of times and counts, shared by the editor and the review tab (pure functions).

// `ms` as h:mm:ss.mmm (m:ss.mmm under an hour); `withMs` false drops the milliseconds.
export function fmt(ms, withMs = true) {
  ms = Math.max(0, Math.round(ms));
  const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
  const t = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  return withMs ? t + "." + String(ms % 1000).padStart(3, "0") : t;
}

// `ms` as m:ss.s (minutes not wrapped into hours), the review tab's compact form.
export function fmtTenths(ms) {
  const s = Math.max(0, ms) / 1000, m = Math.floor(s / 60);
  return m + ":" + (s - m * 60).toFixed(1).padStart(4, "0");
}

// "1 segment", "3 segments".
export function count(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}
