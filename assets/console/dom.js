// Building the page from data: every text goes in through textContent, never as markup, so nothing
// the app or the API sends (a function name, a value, a command's answer) can run as script.
'use strict';
(function (ME) {
  function el(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  /** A table: `columns` as [title, numeric], `rows` as arrays of texts in the columns' order. */
  function table(className, columns, rows) {
    const result = el('table', className);
    const headRow = result.createTHead().insertRow();
    for (const [title, numeric] of columns) {
      const th = el('th', numeric ? 'num' : '', title);
      th.scope = 'col';
      headRow.append(th);
    }
    const body = result.createTBody();
    for (const texts of rows) {
      const row = body.insertRow();
      texts.forEach((text, i) => {
        const cell = row.insertCell();
        if (columns[i][1]) cell.className = 'num';
        cell.textContent = text;
      });
    }
    return result;
  }

  ME.dom = { el, table };
})((window.ME = window.ME || {}));
