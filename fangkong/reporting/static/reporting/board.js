// The status board: copy the bulletin, draw the 14-day charts.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = document.querySelector(button.dataset.copy).textContent.trim();
  navigator.clipboard.writeText(text).then(() => { button.dataset.copied = "1"; });
});

function drawCharts() {
  const holder = document.getElementById("chart-completeness");
  if (!holder || !window.echarts) return;
  fetch(holder.dataset.src, { credentials: "same-origin" })
    .then((response) => response.json())
    .then((data) => {
      const days = data.days.map((d) => d.slice(5));
      const percent = (values) => values.map((v) => (v === null ? null : Math.round(v * 1000) / 10));
      echarts.init(holder).setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 12, top: 32, bottom: 24 },
        xAxis: { type: "category", data: days },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { name: data.labels.reporting_rate, type: "line", data: percent(data.reporting_rate) },
          { name: data.labels.on_time_rate, type: "line", data: percent(data.on_time_rate) },
        ],
      });
      echarts.init(document.getElementById("chart-figures")).setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 12, top: 32, bottom: 24 },
        xAxis: { type: "category", data: days },
        yAxis: { type: "value", minInterval: 1 },
        series: ["fever", "respiratory", "confirmed"].map((key) => ({
          name: data.labels[key], type: "bar", data: data[key],
        })),
      });
    });
}
document.addEventListener("DOMContentLoaded", drawCharts);
