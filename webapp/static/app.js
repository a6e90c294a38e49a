// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  const input = document.querySelector("[data-copy]");
  const button = document.querySelector("[data-copy-button]");
  if (input && button) {
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(input.value);
      } catch (e) {
        input.select();
        document.execCommand("copy");
      }
      button.dataset.label = button.dataset.label || button.textContent;
      button.textContent = "✓";
      setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
    });
  }
});
