/* The reception desk: what the receiver types is never lost to an htmx answer.
 *
 * Leaving the national ID field asks the population database, and its answer replaces the
 * applicant block (and the agency select) with the values as they were when the request left.
 * On a slow link or a slow service the receiver goes on typing meanwhile, so in a form marked
 * data-keep-typing every control changed after its request was sent keeps its new value once
 * the answer is swapped in; the controls left alone take what the server filled in. An ID
 * changed and left meanwhile is looked up in its turn (its queued request went with the old
 * field).
 * Without script the whole form is posted and comes back, so there is nothing to keep.
 */
(function () {
  "use strict";

  // The values a request left with, and what changed before its answer came: by request.
  var sent = new WeakMap();
  var changed = new WeakMap();
  var again = new WeakMap();

  function keepingForm(elt) {
    return elt && elt.closest ? elt.closest("form[data-keep-typing]") : null;
  }

  function values(form) {
    var result = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      var name = control.name;
      if (!name || control.type === "hidden" || control.type === "submit" ||
          control.type === "checkbox" || name in result) {
        return;
      }
      // A RadioNodeList's value is the checked radio's.
      var item = form.elements.namedItem(name);
      result[name] = item ? item.value : "";
    });
    return result;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = keepingForm(event.detail.elt);
    if (form) {
      sent.set(event.detail.xhr, {form: form, elt: event.detail.elt, values: values(form)});
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var before = sent.get(event.detail.xhr);
    if (!before) {
      return;
    }
    var now = values(before.form);
    var edits = {};
    var any = false;
    Object.keys(now).forEach(function (name) {
      if (name in before.values && now[name] !== before.values[name]) {
        edits[name] = now[name];
        any = true;
      }
    });
    if (!any) {
      return;
    }
    var active = document.activeElement;
    var caret = null;
    if (active && active.name in edits && typeof active.selectionStart === "number") {
      caret = {name: active.name, start: active.selectionStart, end: active.selectionEnd};
    }
    changed.set(event.detail.xhr, {
      form: before.form,
      edits: edits,
      caret: caret,
      trigger: before.elt
    });
  });

  // htmx fires afterSwap once per swapped element, all after every swap (out of band too).
  document.addEventListener("htmx:afterSwap", function (event) {
    var info = changed.get(event.detail.xhr);
    if (!info) {
      return;
    }
    changed.delete(event.detail.xhr);
    var form = info.form;
    Object.keys(info.edits).forEach(function (name) {
      var item = form.elements.namedItem(name);
      if (item && item.value !== info.edits[name]) {
        item.value = info.edits[name];
      }
    });
    var active = document.activeElement;
    if (info.caret && active && active.name === info.caret.name && active.setSelectionRange) {
      try {
        active.setSelectionRange(info.caret.start, info.caret.end);
      } catch (e) { /* not a text control */ }
    }
    // The field that asked (the ID) was changed and left while its answer was on the way: its
    // own change went with the replaced element, so ask again for the value now shown, once
    // htmx has wired the new element up (when the swap settles).
    var trigger = info.trigger;
    if (trigger && trigger.name in info.edits) {
      var replacement = form.elements.namedItem(trigger.name);
      if (replacement && replacement !== trigger && replacement.nodeType === 1 &&
          replacement !== document.activeElement) {
        again.set(event.detail.xhr, replacement);
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var replacement = again.get(event.detail.xhr);
    if (replacement && window.htmx && document.body.contains(replacement)) {
      again.delete(event.detail.xhr);
      window.htmx.trigger(replacement, "change");
    }
  });
})();
