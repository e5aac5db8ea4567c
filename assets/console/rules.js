// Collection rules (GET /rules): what each watches, what it does, and what it has done.
'use strict';
(function (ME) {
  const f = ME.format;

  /** A condition as the option writes it: `{ type: 'elu', threshold: 0.9, forSeconds: 30 }` reads "elu 0.9, forSeconds 30". */
  function describeWhen(when) {
    const { type, threshold, ...rest } = when;
    return [threshold === undefined ? type : `${type} ${threshold}`, ...Object.entries(rest).map(([name, value]) => `${name} ${value}`)].join(', ');
  }

  function describeDo(actions) {
    return actions.map((action) => (action.egress ? `${action.kind} → ${action.egress}` : action.kind)).join(', ');
  }

  class RulesPanel {
    constructor() {
      this.section = document.getElementById('rules');
      this.holder = document.getElementById('rule-table');
      this.empty = document.getElementById('rules-empty');
      document.getElementById('refresh-rules').addEventListener('click', () => void this.refresh());
    }

    async refresh() {
      let rules;
      try {
        ({ rules } = await ME.api.json('rules'));
      } catch (error) {
        this.empty.hidden = false;
        this.empty.textContent = String(error);
        return;
      }
      this.empty.hidden = rules.length > 0;
      const rows = rules.map((rule) => [
        rule.name,
        describeWhen(rule.when),
        rule.lastReading === null ? '–' : String(rule.lastReading),
        describeDo(rule.do),
        `${rule.firedInWindow} of ${rule.limit.count} per ${rule.limit.perSeconds} s`,
        rule.lastFiredAt ? f.time(rule.lastFiredAt) : 'never',
        rule.nextPossibleAt ? f.time(rule.nextPossibleAt) : 'now',
        rule.artifacts.length === 0 ? '–' : rule.artifacts.map((artifact) => `${artifact.kind ?? '?'} ${artifact.status}`).join(', '),
      ]);
      const table = ME.dom.table('rules', [['Rule'], ['When'], ['Last reading'], ['Does'], ['Fired'], ['Last fired'], ['May fire'], ['Dumps']], rows);
      table.id = 'rule-table';
      this.holder.replaceWith(table);
      this.holder = table;
      this.section.dataset.count = String(rules.length);
    }
  }

  ME.RulesPanel = RulesPanel;
})((window.ME = window.ME || {}));
