/* motcua web pages: the little script they need, and nothing inline (the CSP forbids it).
 * 1. htmx sends the CSRF token on every request (the token comes from a meta tag).
 * 2. A failed htmx request tells the user instead of failing silently (slow or lost links).
 * 3. Links marked data-back go back in history when there is one.
 * 4. Keyboard focus moves to the first form error after a page with errors loads.
 * 5. A table wider than the screen (phones) scrolls sideways: it becomes a named, focusable
 *    region so that keyboard users can scroll it too (WCAG 2.1.1).
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // hx-headers on <body> is inherited by every htmx element of the page.
  var token = csrfToken();
  if (token && document.body) {
    document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": token}));
  }

  function announce(text) {
    var box = document.getElementById("messages");
    if (!box || !text) {
      return;
    }
    var p = document.createElement("p");
    p.className = "message message-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    box.replaceChildren(p);
  }

  function failed() {
    announce(document.body.getAttribute("data-request-failed"));
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    // A page that explains its own refusal (403, 404, 409, 422) sends a readable message.
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var detail = doc.querySelector(".error-page p, .form-errors, [role=alert]");
    announce(detail ? detail.textContent.trim() : document.body.getAttribute("data-request-failed"));
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  function scrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (caption && !wrap.hasAttribute("aria-label")) {
          wrap.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var errors = document.getElementById("form-errors");
    if (errors) {
      errors.focus();
    }
    scrollableTables();
  });
  document.addEventListener("htmx:afterSettle", scrollableTables);
  window.addEventListener("resize", scrollableTables);
})();
