// Sign-in, scopes and start-up. What the token's scopes do not allow is shown disabled, with the
// scope it needs in its tooltip, never hidden: the operator sees what another token could do.
'use strict';
(function (ME) {
  let scopes = [];

  ME.scopes = {
    has(scope) {
      return scopes.includes(scope);
    },
    /** Enables or disables one control (or every `[data-scope]` control) from the token's scopes. */
    apply(element) {
      const elements = element ? [element] : document.querySelectorAll('[data-scope]');
      for (const el of elements) {
        const scope = el.dataset.scope;
        if (!scope) {
          el.disabled = false;
          continue;
        }
        const allowed = scopes.includes(scope);
        el.disabled = !allowed;
        if (allowed) el.removeAttribute('title');
        else el.title = `Needs the "${scope}" scope, which this token lacks.`;
      }
    },
  };

  const signIn = document.getElementById('sign-in');
  const app = document.getElementById('app');
  const signInError = document.getElementById('sign-in-error');
  const who = document.getElementById('who');
  const signOut = document.getElementById('sign-out');
  let live;
  let actions;
  let dumps;
  let rulesPanel;
  let evalPanel;
  let commandsPanel;

  async function start() {
    const me = await ME.api.json('whoami');
    scopes = me.scopes;
    signIn.hidden = true;
    app.hidden = false;
    who.hidden = false;
    signOut.hidden = false;
    who.textContent = `Token "${me.tokenId}": ${me.scopes.join(', ')}`;
    document.body.dataset.scopes = me.scopes.join(' ');
    actions ??= new ME.Actions();
    dumps ??= new ME.Dumps();
    rulesPanel ??= new ME.RulesPanel();
    evalPanel ??= new ME.EvalPanel();
    commandsPanel ??= new ME.CommandsPanel();
    ME.scopes.apply();
    dumps.syncKind();
    live ??= new ME.LiveView();
    const canRead = ME.scopes.has('read');
    document.getElementById('live-disabled').hidden = canRead;
    if (canRead) {
      live.start();
      void dumps.refresh();
      void rulesPanel.refresh();
      try {
        const index = await ME.api.json('');
        document.getElementById('process-info').textContent = `${index.name} ${index.version} · pid ${index.pid} · ${index.mode} mode`;
        actions.showEstimate(index);
        dumps.showMode(index.mode);
        evalPanel.show(index);
        await commandsPanel.show(index);
      } catch (error) {
        document.getElementById('process-info').textContent = String(error);
      }
    }
    document.body.dataset.ready = 'true';
  }

  document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = document.getElementById('token');
    signInError.textContent = '';
    ME.api.setToken(input.value.trim());
    input.value = '';
    try {
      await start();
    } catch (error) {
      ME.api.setToken(undefined);
      signInError.textContent = String(error);
    }
  });

  signOut.addEventListener('click', () => {
    ME.api.setToken(undefined);
    location.reload();
  });

  // A token from earlier in this tab's session signs in again after a reload.
  if (ME.api.token()) {
    start().catch((error) => {
      ME.api.setToken(undefined);
      signInError.textContent = String(error);
    });
  } else {
    document.getElementById('token').focus();
  }
})((window.ME = window.ME || {}));
