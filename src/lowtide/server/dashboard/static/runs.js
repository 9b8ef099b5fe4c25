// The Runs table: "Compare selected" is enabled once two runs are ticked.
"use strict";

(() => {
  const form = document.getElementById("compare-form");
  if (!form) return;
  const button = document.getElementById("compare");
  const update = () => {
    const n = form.querySelectorAll('input[name="run"]:checked').length;
    button.disabled = n < 2;
    button.textContent = n >= 2 ? `Compare ${n} runs` : "Compare selected";
  };
  form.addEventListener("change", update);
  update();
})();
