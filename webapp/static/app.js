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
  // A collection built in the browser (/basket): its state is the page's address; the browser keeps the
  // last one, so "Add to a collection" anywhere adds to it instead of starting a new one.
  const KEY = "caselib.basket";
  const stored = () => { try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; } };
  if (document.querySelector("[data-basket-page]")) {
    const state = new URLSearchParams(location.search);
    state.delete("find");
    try { localStorage.setItem(KEY, state.toString()); } catch (e) { /* private mode: links still work */ }
  }
  document.querySelectorAll("a[data-basket-add]").forEach((a) => {
    a.addEventListener("click", () => {
      const target = new URL(a.href, location.href);
      const state = new URLSearchParams(stored());
      const id = a.dataset.basketAdd;
      if (!state.getAll("ids").includes(id)) state.append("ids", id);
      state.set("lang", target.searchParams.get("lang") || state.get("lang") || "en");
      target.search = state.toString();
      a.href = target.toString();
    });
  });
});
