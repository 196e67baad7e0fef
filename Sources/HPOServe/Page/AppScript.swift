/// The page's script (plain JavaScript, no library). Routes: `#/study/ID`, `#/compare/A,B`.
extension AppPage {
    static let script = #"""
        "use strict";
        const state = { studies: [], versions: {}, route: null, shown: null, loading: false, again: false };
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
            const view = $("view");
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
              if (r.kind === "study") decorate(view, r.id);
            }
            if (key(r) !== (state.shown || "").split("|")[0]) view.focus({ preventScroll: true });
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
          return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
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
              : "best " + study.metric + " " + study.text.best + (study.best_trial != null ? " (trial " + study.best_trial + ")" : "");
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

        // Hook for the actions (set by the control part of the page when the server has a control address).
        function decorate(view, id) { if (window.hpoDecorate) window.hpoDecorate(view, id); }

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
            show(false);
          });
        }

        $("compare").addEventListener("click", () => {
          location.hash = "#/compare/" + $("compare").dataset.ids.split(",").map(encodeURIComponent).join(",");
        });
        window.addEventListener("hashchange", () => show(false));
        connect();
        """#
}
