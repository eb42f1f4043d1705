// The new API token is selected when its box gets the focus, ready to copy (no inline
// handler: the Content-Security-Policy allows scripts from this site only).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("new-token");
  if (box) {
    box.addEventListener("focus", function () { box.select(); });
  }
});
