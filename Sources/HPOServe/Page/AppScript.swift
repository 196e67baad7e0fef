/// The page's script (plain JavaScript, no library). Routes: `#/study/ID`, `#/compare/A,B`.
extension AppPage {
    static let script = #"""
        "use strict";
        const state = { studies: [], versions: {}, route: null, shown: null, loading: false, again: false, csrf: null };
        const $ = (id) => document.getElementById(id);

        function route() {
          const hash = location.hash.replace(/^#\/?/, "");
          const [kind, rest] = [hash.split("/")[0], hash.split("/").slice(1).join("/")];
          if (kind === "compare" && rest) return { kind: "compare", ids: rest.split(",").map(decodeURIComponent) };
          if (kind === "study" && rest) return { kind: "study", id: decodeURIComponent(rest) };
          return state.studies.length ? { kind: "study", id: state.studies[0].id } : { kind: "none" };
        }

        function key(r) { return r.kind === "compare" ? "compare:" + r.ids.join(",") : r.kind + ":" + (r.id || ""); }

        // The versions a view depends on: it is fetched again only when one of them moves.
        function versionsOf(r) {
          const ids = r.kind === "compare" ? r.ids : r.kind === "study" ? [r.id] : [];
          return ids.map((id) => id + "@" + (state.versions[id] ?? "-")).join(",");
        }

        async function show(force) {
          const r = route();
          const want = key(r) + "|" + versionsOf(r);
          if (!force && state.shown === want) return;
          if (state.loading) { state.again = true; return; }
          state.loading = true;
          try {
            const view = $("panel");
            if (r.kind === "none") {
              view.innerHTML = '<p class="empty">No study to show yet.</p>';
            } else {
              const url = r.kind === "compare"
                ? "/api/compare?ids=" + r.ids.map(encodeURIComponent).join(",")
                : "/api/studies/" + encodeURIComponent(r.id);
              const response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
              const html = await response.text();
              // The server renders (and escapes) every panel; the page only places it.
              view.innerHTML = response.ok ? (r.kind === "compare" ? compareHeader(r.ids) : "") + html
                : '<p class="empty"></p>';
              if (!response.ok) view.firstChild.textContent = html;
            }
            if (key(r) !== (state.shown || "").split("|")[0]) $("view").focus({ preventScroll: true });
            state.shown = want;
          } catch (error) {
            setConnection("lost", "cannot reach hpo serve");
          } finally {
            state.loading = false;
            if (state.again) { state.again = false; show(false); }
          }
          markCurrent();
        }

        function compareHeader(ids) {
          const names = ids.map((id) => escapeHTML(id)).join(", ");
          return "<h1>Comparison</h1><p class=\"how\">Best value so far of " + names +
            ", against each study's count of completed trials. Each line steps down (or up) where its study " +
            "found a better trial.</p>";
        }

        function escapeHTML(text) {
          const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
          return String(text).replace(/[&<>"']/g, (c) => entities[c]);
        }

        function renderList() {
          const list = $("study-list");
          const selected = new Set([...list.querySelectorAll("input:checked")].map((box) => box.value));
          list.replaceChildren(...state.studies.map((study) => {
            const li = document.createElement("li");
            li.dataset.study = study.id;
            li.dataset.state = study.problem ? "problem" : study.state;
            li.dataset.completed = String(study.completed);
            li.dataset.version = String(study.version);
            const box = document.createElement("input");
            box.type = "checkbox";
            box.value = study.id;
            box.checked = selected.has(study.id);
            box.setAttribute("aria-label", "Select " + study.name + " for comparison");
            box.addEventListener("change", updateCompareButton);
            const title = document.createElement("div");
            const link = document.createElement("a");
            link.href = "#/study/" + encodeURIComponent(study.id);
            link.textContent = study.name;
            const badge = document.createElement("span");
            badge.className = "badge " + (study.problem ? "problem" : study.state);
            badge.textContent = study.problem ? "unreadable" : study.state;
            title.append(link, badge);
            const best = document.createElement("div");
            best.className = "line";
            best.textContent = study.problem ? study.problem
              : "best " + study.metric + " " + study.text.best +
                (study.best_trial != null ? " (trial " + study.best_trial + ")" : "");
            const progress = document.createElement("div");
            progress.className = "line";
            const done = document.createElement("span");
            done.className = "completed";
            done.dataset.completed = String(study.completed);
            done.textContent = study.text.done + " done";
            progress.append(done, document.createTextNode(
              (study.running ? " · " + study.running + " running" : "") +
              (study.text.eta && study.state === "running" ? " · ETA " + study.text.eta : "")));
            const bar = document.createElement("div");
            bar.className = "progress line";
            bar.setAttribute("role", "progressbar");
            bar.setAttribute("aria-label", "Progress of " + study.name);
            bar.setAttribute("aria-valuemin", "0");
            bar.setAttribute("aria-valuemax", String(study.planned));
            bar.setAttribute("aria-valuenow", String(Math.min(study.done, study.planned)));
            const fill = document.createElement("span");
            fill.style.width = (study.planned > 0 ? Math.min(100, 100 * study.done / study.planned) : 0) + "%";
            bar.append(fill);
            li.append(box, title, best, progress, bar);
            return li;
          }));
          $("no-studies").hidden = state.studies.length > 0;
          updateCompareButton();
          markCurrent();
        }

        function markCurrent() {
          const r = route();
          for (const li of $("study-list").children) {
            const current = r.kind === "study" && li.dataset.study === r.id;
            li.classList.toggle("current", current);
            const link = li.querySelector("a");
            if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
          }
        }

        function updateCompareButton() {
          const chosen = [...$("study-list").querySelectorAll("input:checked")].map((box) => box.value);
          $("compare").disabled = chosen.length < 2;
          $("compare").dataset.ids = chosen.join(",");
        }

        function setConnection(stateName, text) {
          const element = $("connection");
          element.dataset.state = stateName;
          element.textContent = text;
        }

        // The actions box: built once per study shown (so what is typed stays), its running trials kept current.
        function renderControls() {
          const box = $("controls");
          const r = route();
          const study = r.kind === "study" ? state.studies.find((s) => s.id === r.id) : null;
          if (!study || !study.control || !state.csrf) { box.hidden = true; box.dataset.study = ""; return; }
          box.hidden = false;
          if (box.dataset.study !== study.id) {
            box.dataset.study = study.id;
            box.innerHTML =
              '<h2>Act on this study</h2><p class="how"></p>' +
              '<div class="row"><button type="button" class="danger" data-action="stop_study"' +
              ' aria-label="Stop the study: no new trials, running ones finish">Stop the study…</button>' +
              '<input type="number" min="1" max="1000000" value="10" id="add-trials" ' +
              'aria-label="Trials to add to the budget">' +
              '<button type="button" data-action="add_budget">Raise the budget</button></div>' +
              '<div class="row"><input class="params" id="enqueue-params" spellcheck="false"' +
              ' aria-label="Configuration to enqueue, as JSON" placeholder=\'{"x0": 1.5, "x1": 2.0}\'>' +
              '<button type="button" data-action="enqueue">Enqueue</button></div>' +
              '<div class="row" id="running-trials"></div>' +
              '<p id="action-result" role="status" aria-live="polite"></p>';
            box.querySelector("p.how").textContent = "Sent to the coordinator at " + study.control +
              "; it journals each action in the log, with this page's address, before acting.";
            box.addEventListener("click", onAction);
          }
          const running = study.state === "running" ? study.running_trials : [];
          const row = $("running-trials");
          const shown = [...row.querySelectorAll("button")].map((b) => b.dataset.trial).join(",");
          if (shown !== running.join(",")) {
            const label = running.length ? [document.createTextNode("Running:")] : [];
            row.replaceChildren(...label, ...running.map((trial) => {
              const button = document.createElement("button");
              button.type = "button";
              button.dataset.action = "stop_trial";
              button.dataset.trial = String(trial);
              button.textContent = "Stop trial " + trial;
              button.setAttribute("aria-label", "Stop trial " + trial + " early");
              return button;
            }));
          }
          for (const button of box.querySelectorAll("button")) button.disabled = study.state !== "running";
        }

        async function onAction(event) {
          const button = event.target.closest("button[data-action]");
          if (!button || button.disabled) return;
          const id = $("controls").dataset.study;
          const action = button.dataset.action;
          let body = { action };
          if (action === "stop_study" && !button.classList.contains("armed")) {
            button.classList.add("armed");
            button.textContent = "Confirm: stop the study";
            setTimeout(() => { button.classList.remove("armed"); button.textContent = "Stop the study…"; }, 5000);
            return;
          }
          if (action === "stop_trial") body.trial = Number(button.dataset.trial);
          if (action === "add_budget") body.trials = Number($("add-trials").value);
          if (action === "enqueue") {
            try { body.params = JSON.parse($("enqueue-params").value); } catch (error) {
              return report(false, "The configuration is not JSON: " + error.message);
            }
          }
          button.disabled = true;
          try {
            const response = await fetch("/api/studies/" + encodeURIComponent(id) + "/actions", {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-HPO-CSRF": state.csrf },
              body: JSON.stringify(body),
            });
            const text = await response.text();
            if (!response.ok) return report(false, text);
            const reply = JSON.parse(text);
            report(reply.accepted, (reply.accepted ? "Done: " : "Refused: ") + reply.message);
          } catch (error) {
            report(false, "Not sent: " + error.message);
          } finally {
            button.disabled = false;
          }
        }

        function report(accepted, text) {
          const result = $("action-result");
          result.className = accepted ? "" : "refused";
          result.textContent = text;
        }

        async function startSession() {
          try {
            const response = await fetch("/api/session", { cache: "no-store", credentials: "same-origin" });
            const session = await response.json();
            state.csrf = session.control ? session.csrf : null;
            const mode = $("mode");
            mode.dataset.control = session.control ? "on" : "off";
            mode.textContent = session.control ? "can act: stop, budget, enqueue" : "read-only: no control address";
            renderControls();
          } catch (error) { /* the stream reports the connection */ }
        }

        function connect() {
          const events = new EventSource("/api/events");
          events.addEventListener("open", () => setConnection("live", "live: follows the logs"));
          events.addEventListener("error", () => setConnection("lost", "reconnecting…"));
          events.addEventListener("studies", (event) => {
            const document_ = JSON.parse(event.data);
            state.studies = document_.studies;
            state.versions = Object.fromEntries(state.studies.map((study) => [study.id, study.version]));
            window.hpoUpdates = (window.hpoUpdates || 0) + 1;
            renderList();
            renderControls();
            show(false);
          });
        }

        $("compare").addEventListener("click", () => {
          location.hash = "#/compare/" + $("compare").dataset.ids.split(",").map(encodeURIComponent).join(",");
        });
        window.addEventListener("hashchange", () => { renderControls(); show(false); });
        startSession();
        connect();
        """#
}
