// "Send a test message": POST to the API, then say where it was queued, or why not.
"use strict";

(() => {
  for (const button of document.querySelectorAll("button[data-test-scope]")) {
    const result = button.parentElement.querySelector(".test-result");
    button.addEventListener("click", async () => {
      button.disabled = true;
      result.className = "test-result muted";
      result.textContent = "sending…";
      const scope = button.dataset.testScope;
      const query = scope ? `?${new URLSearchParams({ project: scope })}` : "";
      try {
        const body = await lowtide.fetchJSON(`/api/v1/notify/test${query}`, { method: "POST" });
        result.textContent = `Queued on ${body.channels.join(", ")}; its result appears below after a reload.`;
      } catch (err) {
        result.className = "test-result error";
        result.textContent = `Could not send: ${err.message}`;
      } finally {
        button.disabled = false;
      }
    });
  }
})();
