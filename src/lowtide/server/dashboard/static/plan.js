// "Plan again" may run the solver up to its time limit: say so while the form is posted.
"use strict";

(() => {
  const form = document.querySelector("form.replan");
  const status = document.querySelector("p.working");
  if (!form || !status) return;
  form.addEventListener("submit", () => {
    const quick = form.querySelector("input[name=greedy]")?.checked;
    const limit = Number(form.dataset.limit) || 0;
    const started = performance.now();
    // Buttons only: a disabled checkbox would not be posted.
    for (const button of document.querySelectorAll(".plan-actions button")) button.disabled = true;
    document.body.classList.add("planning");
    const tell = () => {
      const gone = Math.round((performance.now() - started) / 1000);
      status.textContent = quick
        ? "working… the quick plan takes a moment"
        : `working… ${gone} s; the solver stops within ${limit} s and keeps its best plan`;
    };
    tell();
    status.hidden = false;
    setInterval(tell, 1000);
  });
})();
