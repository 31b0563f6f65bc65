// Progressive enhancement of the upload form: the same POST, sent by XHR so a progress bar can
// show how far a large file is. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("aanleverformulier");
  if (!form || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var box = document.getElementById("voortgang");
  var bar = document.getElementById("voortgangsbalk");
  var text = document.getElementById("voortgangstekst");
  form.addEventListener("submit", function (event) {
    var file = document.getElementById("bestand");
    if (!file || !file.files || file.files.length === 0) {
      return; // a nil return or a form error: the plain post is quick
    }
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    box.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var pct = Math.round((e.loaded / e.total) * 100);
        bar.value = pct;
        bar.textContent = pct + "%";
        text.textContent = pct + "% verstuurd";
      }
    });
    xhr.addEventListener("load", function () {
      // The portal answers a good upload with a redirect to the delivery, and a refused one
      // with this page and its errors: show whichever came back.
      if (xhr.responseURL && xhr.responseURL !== form.action) {
        window.location.assign(xhr.responseURL);
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", function () {
      text.textContent = "Versturen is mislukt. Controleer uw verbinding en probeer het opnieuw.";
    });
    xhr.send(new FormData(form));
  });
})();
