// Acknowledge buttons: POST to the API, then show the incident as acknowledged.
"use strict";

(() => {
  for (const button of document.querySelectorAll("button[data-ack]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await lowtide.fetchJSON(`/api/v1/incidents/${encodeURIComponent(button.dataset.ack)}/ack`, {
          method: "POST",
        });
        const done = document.createElement("span");
        done.className = "acked";
        done.textContent = "acknowledged just now";
        button.replaceWith(done);
      } catch (err) {
        button.disabled = false;
        const note = document.createElement("span");
        note.className = "error";
        note.textContent = `Could not acknowledge: ${err.message}`;
        button.after(note);
      }
    });
  }
})();
