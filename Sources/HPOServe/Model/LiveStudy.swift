import Foundation
import HPOJournal
import HPOReport

/// One followed results log: its records so far and their history, folded line by line as the
/// log grows (never re-read whole), with what the page shows of it rendered once per version.
/// Not thread-safe: `StudyCatalog` owns it under its lock.
package final class LiveStudy {
    /// The study's address in the page and the API: the log's file name, made unique.
    package let id: String
    package private(set) var follower: LogFollower
    package private(set) var records: [JournalRecord] = []
    private var fold = StudyHistoryFold()
    private var unknownEvents = 0
    /// Bumped on every change; the page asks for a study's panel again when its version moves.
    package private(set) var version = 0
    /// Why the log cannot be shown (unreadable, not a results log, a corrupt line), if so.
    package private(set) var problem: String?
    private var cache: (version: Int, history: StudyHistory, summary: StudySummary)?
    private var panelCache: (version: Int, html: String)?

    package init(id: String, path: String) {
        self.id = id
        follower = LogFollower(path: path)
    }

    package var path: String { follower.path }

    /// Reads what was appended; true when anything the page shows changed.
    package func refresh() -> Bool {
        let wasTorn = follower.hasTornTail
        do {
            switch try follower.poll() {
            case .unchanged:
                return follower.hasTornTail != wasTorn
            case .restarted:
                records = []
                fold = StudyHistoryFold()
                unknownEvents = 0
                problem = nil
                if case .appended(let new, let unknown) = try follower.poll() { append(new, unknownEvents: unknown) }
            case .appended(let new, let unknown):
                append(new, unknownEvents: unknown)
            }
        } catch {
            let text = "\(error)"
            guard text != problem else { return false }
            problem = text
        }
        version += 1
        return true
    }

    private func append(_ new: [JournalRecord], unknownEvents unknown: Int) {
        if records.isEmpty, let first = new.first {
            guard case .studyStarted = first.event else {
                problem = "\(path): not a results log (the first event is \(first.event.name), not study_started)"
                return
            }
        }
        problem = nil
        records += new
        unknownEvents += unknown
        for record in new { fold.apply(record) }
    }

    /// The log as `hpo report` reads it.
    package var log: StudyLog {
        StudyLog(path: path, records: records, tornTail: follower.hasTornTail, unknownEvents: unknownEvents)
    }

    /// The history and its summary at this version (computed once per version).
    package var current: (history: StudyHistory, summary: StudySummary) {
        if let cache, cache.version == version { return (cache.history, cache.summary) }
        let history = fold.snapshot
        let summary = StudySummary(history: history, top: 10)
        cache = (version, history, summary)
        return (history, summary)
    }

    /// The study's panel (the report's content: summary, every plot, the tables), at this version.
    package func panel(render: (StudyLog, StudyHistory, StudySummary) -> String) -> String {
        if let panelCache, panelCache.version == version { return panelCache.html }
        let (history, summary) = current
        let html = render(log, history, summary)
        panelCache = (version, html)
        return html
    }
}
