// The status board: copy the bulletin (and say so), draw the 14-day charts.
const COPIED_FOR_MS = 2000;

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // Plain http on a local network has no clipboard API: copy through a selected text area.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.append(area);
  area.select();
  const done = document.execCommand("copy");
  area.remove();
  return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = document.querySelector(button.dataset.copy).textContent.trim();
  const status = button.parentElement.querySelector(".copy-status");
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  const say = (words) => {
    button.textContent = words;
    if (status) status.textContent = words;
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(() => {
      button.textContent = label;
      if (status) status.textContent = "";
    }, COPIED_FOR_MS);
  };
  copyText(text).then(() => say(button.dataset.copied), () => say(button.dataset.failed));
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
        tooltip: { trigger: "axis", renderMode: "richText" },  // no inline styles (CSP)
        legend: { top: 0 },
        grid: { left: 40, right: 12, top: 32, bottom: 24 },
        xAxis: { type: "category", data: days },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { name: data.labels.reporting_rate, type: "line", data: percent(data.reporting_rate) },
          { name: data.labels.on_time_rate, type: "line", data: percent(data.on_time_rate) },
          // Those still before their deadline: a grey column behind today's point, which may
          // yet rise; they are not missing. Drawn only where there are some.
          { name: data.labels.pending, type: "bar", barWidth: "60%", z: 1,
            itemStyle: { color: "rgba(154, 165, 177, 0.35)" },
            data: percent(data.pending).map((v) => (v ? v : null)) },
        ],
      });
      echarts.init(document.getElementById("chart-figures")).setOption({
        tooltip: { trigger: "axis", renderMode: "richText" },  // no inline styles (CSP)
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
