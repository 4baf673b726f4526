// The daily report form: the countdown to the deadline, the error summary in view, and a zero
// report that asks before it discards figures typed into the full report.
(function () {
  const deadline = document.getElementById("deadline");
  if (deadline && !deadline.classList.contains("late")) {
    const due = Date.parse(deadline.dataset.due);
    // The server's clock decides what is late: count from the time it drew the page.
    const skew = Date.parse(deadline.dataset.now) - Date.now();
    const left = document.getElementById("deadline-left");
    const tick = () => {
      const ms = due - (Date.now() + skew);
      if (ms <= 0) {
        deadline.classList.add("late");
        left.textContent = deadline.dataset.late;
        return;
      }
      const minutes = Math.ceil(ms / 60000);
      const h = Math.floor(minutes / 60);
      const m = minutes % 60;
      const words = h ? deadline.dataset.hours : deadline.dataset.minutes;
      left.textContent = words.replace("{h}", h).replace("{m}", m);
      // Again when the minute shown runs out.
      setTimeout(tick, ms - (minutes - 1) * 60000 + 50);
    };
    tick();
  }

  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();

  const zero = document.querySelector("form.zero");
  const full = document.querySelector("form.report-form");
  if (!zero || !full) return;
  const typed = () =>
    Array.from(full.querySelectorAll("input[type=number], textarea")).some((input) => {
      const value = input.value.trim();
      const changed = value !== input.defaultValue.trim();
      return ("event" in input.dataset && value !== "" && value !== "0") || changed;
    });
  zero.addEventListener("submit", (event) => {
    if (typed() && !window.confirm(zero.dataset.confirm)) event.preventDefault();
  });
})();
