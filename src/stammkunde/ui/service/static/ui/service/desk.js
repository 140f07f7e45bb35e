// The desk's panels in a case page: macros and articles go into the reply box with one click,
// and articles matching what the agent writes are suggested while they write.
(function () {
  "use strict";
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }
  function replyBox() {
    return document.querySelector("textarea[data-reply-box], #reply-text, form.case-reply textarea, textarea[name=text]");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-url]");
    if (!button) return;
    event.preventDefault();
    fetch(button.getAttribute("data-insert-url"), {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    }).then(function (response) {
      return response.ok ? response.text() : Promise.reject(response.status);
    }).then(function (text) {
      var box = replyBox();
      if (!box) return;
      box.value = box.value ? box.value.replace(/\s*$/, "") + "\n\n" + text : text;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    });
  });
  var timer = null;
  document.addEventListener("input", function (event) {
    var box = replyBox();
    var target = document.getElementById("article-suggestions");
    if (!box || !target || event.target !== box) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      // The suggest URL carries the customer's language; the text is added to it.
      var url = new URL(target.getAttribute("data-suggest-url"), window.location.href);
      url.searchParams.set("text", box.value.slice(-2000));
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) {
        target.innerHTML = html;
      });
    }, 500);
  });
})();
