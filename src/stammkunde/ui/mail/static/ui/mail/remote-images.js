// Remote images of an inbound mail load only when the reader asks (tracking pixels stay dark).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-show-remote-images]");
  if (!button) return;
  document.querySelectorAll(".mail-html img[data-remote-src]").forEach((image) => {
    image.src = image.dataset.remoteSrc;
    image.removeAttribute("data-remote-src");
  });
  button.disabled = true;
});
