// The weekly supervision page: inspections by method and findings by checklist item as bars,
// from the same API the page's figures come from (the lists stay as they are without script).
function drawSummary() {
  const holder = document.getElementById("chart-methods");
  if (!holder || !window.echarts) return;
  fetch(holder.dataset.src, { credentials: "same-origin" })
    .then((response) => response.json())
    .then((data) => {
      const methods = JSON.parse(holder.dataset.labels);
      echarts.init(holder).setOption({
        tooltip: { trigger: "axis", renderMode: "richText" },  // no inline styles (CSP)
        grid: { left: 40, right: 12, top: 16, bottom: 24 },
        xAxis: { type: "category", data: Object.keys(data.by_method).map((m) => methods[m] || m) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: Object.values(data.by_method) }],
      });
      const findings = document.getElementById("chart-findings");
      if (!findings || !data.findings.length) return;
      const rows = data.findings.slice(0, 10).reverse();
      echarts.init(findings).setOption({
        tooltip: { trigger: "axis", renderMode: "richText" },
        grid: { left: 40, right: 12, top: 16, bottom: 24 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map((f) => String(f.item)) },
        series: [{ type: "bar", data: rows.map((f) => f.count) }],
      });
    });
}

document.addEventListener("DOMContentLoaded", drawSummary);
