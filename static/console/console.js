/* The scan field is ready for the next code as soon as a scan is answered: a USB scanner
   types into whatever has the focus. Without JavaScript the page reloads with it focused. */
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target;
  if (form && form.matches && form.matches("form.scan")) {
    var field = form.querySelector("input[name=content]");
    field.value = "";
    field.focus();
  }
});
