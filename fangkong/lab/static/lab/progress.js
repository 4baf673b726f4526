// A campaign's coverage over time: the share of expected persons tested by the end of each hour
// (or day), as a line, from the API the page's figures come from; without script, the lists stay.
function drawProgress() {
  const holder = document.getElementById("chart-progress");
  if (!holder || !window.echarts) return;
  fetch(holder.dataset.src, { credentials: "same-origin" })
    .then((response) => response.json())
    .then((data) => {
      const label = (at) => (data.unit === "day" ? at.slice(5, 10) : at.slice(5, 16).replace("T", " "));
      echarts.init(holder).setOption({
        tooltip: { trigger: "axis", renderMode: "richText" }, // no inline styles (CSP)
        grid: { left: 44, right: 12, top: 16, bottom: 24 },
        xAxis: { type: "category", data: data.points.map((p) => label(p.at)) },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [{
          type: "line", name: holder.dataset.label, step: "end",
          data: data.points.map((p) => Math.round(p.coverage * 1000) / 10),
        }],
      });
      holder.dataset.drawn = String(data.points.length);
    });
}

document.addEventListener("DOMContentLoaded", drawProgress);
