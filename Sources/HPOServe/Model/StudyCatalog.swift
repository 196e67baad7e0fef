import Foundation
import HPOCore
import HPOReport

/// The logs `hpo serve` shows: the files named on its command line and the `*.jsonl` files in the
/// folders named (looked at again on every refresh, so a study started later appears), each one a
/// `LiveStudy`. Thread-safe: the watcher refreshes it while requests read it.
package final class StudyCatalog: @unchecked Sendable {
    private enum Source {
        case file(String)
        case folder(String)
    }

    private let lock = NSLock()
    private let sources: [Source]
    private var studies: [LiveStudy] = []
    private var byPath: [String: LiveStudy] = [:]
    /// The control address of a log's coordinator, if `hpo serve` has one for it.
    private let controlEndpoint: @Sendable (String) -> String?

    /// Each path must exist: a results log or a folder of them.
    package init(paths: [String], controlEndpoint: @escaping @Sendable (String) -> String? = { _ in nil })
        throws(ServeError)
    {
        self.controlEndpoint = controlEndpoint
        var sources: [Source] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .badPath(path, "no such file or folder")
            }
            sources.append(isDirectory.boolValue ? .folder(path) : .file(path))
        }
        guard !sources.isEmpty else { throw .badPath("", "name at least one results log or folder") }
        self.sources = sources
    }

    /// Looks for new logs in the folders and reads what every log gained; true when anything changed.
    package func refresh() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        var changed = false
        for path in currentPaths() where byPath[path] == nil {
            let study = LiveStudy(id: uniqueID(for: path), path: path)
            studies.append(study)
            byPath[path] = study
            changed = true
        }
        for study in studies where study.refresh() { changed = true }
        return changed
    }

    /// The study `id` under the lock, or nil.
    package func with<T>(_ id: String, _ body: (LiveStudy) -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        return studies.first { $0.id == id }.map(body)
    }

    /// Every study under the lock, in the order they were found.
    package func withAll<T>(_ body: ([LiveStudy]) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(studies)
    }

    /// The study list as the page and `GET /api/studies` get it (JSON).
    package func listJSON() -> String {
        withAll { studies in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let list = StudyListDocument(
                studies: studies.map { StudyListEntry($0, control: controlEndpoint($0.path)) })
            return (try? encoder.encode(list)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"studies":[]}"#
        }
    }

    private func currentPaths() -> [String] {
        var paths: [String] = []
        for source in sources {
            switch source {
            case .file(let path): paths.append(path)
            case .folder(let folder):
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                paths += names.filter { $0.hasSuffix(".jsonl") }.sorted().map {
                    (folder as NSString).appendingPathComponent($0)
                }
            }
        }
        return paths
    }

    /// The file's name without `.jsonl`, letters, digits, `-`, `_` and `.` kept, made unique.
    private func uniqueID(for path: String) -> String {
        var base = (path as NSString).lastPathComponent
        if base.hasSuffix(".jsonl") { base = String(base.dropLast(".jsonl".count)) }
        base = String(
            base.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" }.prefix(64))
        if base.isEmpty { base = "study" }
        var id = base
        var n = 2
        while studies.contains(where: { $0.id == id }) {
            id = "\(base)-\(n)"
            n += 1
        }
        return id
    }
}

/// `{"studies": [...]}`.
struct StudyListDocument: Encodable {
    var studies: [StudyListEntry]
}

/// One study in the list: what its row shows (state, best value, progress) and its version.
struct StudyListEntry: Encodable {
    var id: String
    var path: String
    var version: Int
    var problem: String?
    var name: String
    var state: String
    var reason: String?
    var metric: String
    var direction: String
    var best: Double?
    var bestTrial: Int?
    var completed: Int
    var failed: Int
    var pruned: Int
    var running: Int
    var queued: Int
    var done: Int
    var planned: Int
    var workersConnected: Int
    var workersBusy: Int
    var trialsPerHour: Double?
    var etaSeconds: Double?
    var elapsedSeconds: Double
    var tornTail: Bool
    var events: Int
    /// The coordinator's control address when the page may act on this study.
    var control: String?
    /// Trials running now (the first 100), which the page can stop.
    var runningTrials: [Int]
    /// The numbers as people read them (`HumanFormat`, as in `hpo status`), so the page formats none.
    var text: [String: String] = [:]

    init(_ study: LiveStudy, control: String?) {
        let (history, summary) = study.current
        self.control = control
        runningTrials = history.trials.filter { $0.state == .running }.prefix(100).map { Int($0.trial.rawValue) }
        id = study.id
        path = study.path
        version = study.version
        problem = study.problem
        name = study.records.isEmpty ? study.id : summary.study
        state = study.records.isEmpty ? "waiting" : summary.state.rawValue
        reason = summary.finishReason
        metric = summary.objective.metric
        direction = summary.objective.direction.rawValue
        best = summary.best?.objective
        bestTrial = summary.best.map { Int($0.trial.rawValue) }
        completed = summary.counts.completed
        failed = summary.counts.failed
        pruned = summary.counts.pruned
        running = summary.counts.running
        queued = summary.counts.queued
        done = summary.counts.done
        planned = summary.plannedTrials
        workersConnected = summary.workers.connected
        workersBusy = summary.workers.busy
        trialsPerHour = summary.trialsPerHour
        etaSeconds = summary.etaSeconds
        elapsedSeconds = summary.elapsedSeconds
        tornTail = study.follower.hasTornTail
        events = study.records.count
        text["best"] = best.map { HumanFormat.number($0) } ?? "–"
        text["done"] = "\(HumanFormat.count(done)) / \(HumanFormat.count(planned))"
        text["completed"] = HumanFormat.count(completed)
        text["elapsed"] = HumanFormat.duration(elapsedSeconds)
        if let trialsPerHour { text["pace"] = HumanFormat.rate(perHour: trialsPerHour) }
        if let etaSeconds { text["eta"] = HumanFormat.duration(etaSeconds) }
    }

    enum CodingKeys: String, CodingKey {
        case id, path, version, problem, name, state, reason, metric, direction, best, completed, failed, pruned
        case running, queued, done, planned, events, text, control
        case runningTrials = "running_trials"
        case bestTrial = "best_trial"
        case workersConnected = "workers_connected"
        case workersBusy = "workers_busy"
        case trialsPerHour = "trials_per_hour"
        case etaSeconds = "eta_seconds"
        case elapsedSeconds = "elapsed_seconds"
        case tornTail = "torn_tail"
    }
}
