// Small behaviours of the staff pages, here instead of inline handlers (the CSP forbids those).
// A button with data-print prints the page.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
