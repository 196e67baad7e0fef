/// What each trial of a study needs from the worker that runs it: the study file's
/// `trial.resources` (GPUs) and `trial.labels` (docs/study-file.md). Every trial of a study asks
/// the same, so a worker either can hold some number of them at once or never any.
package struct ResourceRequest: Hashable, Sendable, Codable {
    /// GPUs per trial, each held by that trial alone while it runs. nil: the default, one GPU per
    /// command trial on a worker that has GPUs and none elsewhere (see `TrialSpec.gpusPerTrial`).
    package var gpus: Int?
    /// Labels the worker must all have (`hpo-worker --label`); empty: any worker.
    package var labels: [String]

    package init(gpus: Int? = nil, labels: [String] = []) {
        self.gpus = gpus
        self.labels = labels
    }

    /// Nothing asked: no `resources` in the spec at all.
    package var isEmpty: Bool { gpus == nil && labels.isEmpty }

    /// The most GPUs a study may ask per trial, and the most labels (with their length, the
    /// characters a label may hold): the same bounds a worker's hello is held to.
    package static let maxGPUs = 256
    package static let maxLabels = 64
    package static let maxLabelBytes = 128

    /// Why `label` is not a valid label, or nil: 1…128 bytes of ASCII letters, digits and
    /// `. _ - : = /` (so `gpu=a100`, `zone/eu-1` work and a label never needs quoting in a log).
    package static func labelViolation(_ label: String) -> String? {
        guard !label.isEmpty else { return "a label is empty" }
        guard label.utf8.count <= maxLabelBytes else {
            return "label '\(label.prefix(40))…' is \(label.utf8.count) bytes long, more than \(maxLabelBytes)"
        }
        let allowed = label.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", ":", "=", "/": true
            default: false
            }
        }
        return allowed ? nil : "label '\(label)' may hold only ASCII letters, digits and . _ - : = /"
    }

    enum CodingKeys: String, CodingKey { case gpus, labels }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        gpus = try container.decodeIfPresent(Int.self, forKey: .gpus)
        labels = try container.decodeIfPresent([String].self, forKey: .labels) ?? []
    }

    /// Only what is set: `{"gpus":2}`, `{"labels":["a100"]}`.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(gpus, forKey: .gpus)
        if !labels.isEmpty { try container.encode(labels, forKey: .labels) }
    }
}

/// How many trials of a study one worker can hold at once, or why none ever.
package enum TrialCapacity: Hashable, Sendable {
    /// At most this many at once (at least 1).
    case trials(Int)
    /// None, whatever it is running: the worker lacks GPUs or labels the trials need.
    case never(reason: String)

    package var count: Int {
        if case .trials(let count) = self { count } else { 0 }
    }
}

extension TrialSpec {
    /// GPUs one trial takes on a worker with `workerGPUs` GPUs: the study's `resources.gpus`, or
    /// by default one for a command trial where there are GPUs (the program is likely to use
    /// one: it gets its own) and none for a built-in function (which runs in the worker on CPU).
    package func gpusPerTrial(workerGPUs: Int) -> Int {
        if let gpus = resources?.gpus { return gpus }
        guard workerGPUs > 0, case .command = program else { return 0 }
        return 1
    }

    /// How many trials of this spec a worker with `slots` slots, `gpus` GPUs and `labels` can
    /// run at once: its slots, fewer when each trial needs GPUs of its own; none when it lacks a
    /// label or has fewer GPUs than one trial needs.
    package func capacity(slots: Int, gpus: Int, labels: Set<String>) -> TrialCapacity {
        let wanted = resources?.labels ?? []
        let missing = wanted.filter { !labels.contains($0) }
        if !missing.isEmpty {
            let has = labels.isEmpty ? "none" : labels.sorted().joined(separator: ", ")
            return .never(
                reason: "lacks label\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) (has: \(has))")
        }
        let perTrial = gpusPerTrial(workerGPUs: gpus)
        guard perTrial > 0 else { return .trials(max(slots, 0)) }
        guard gpus >= perTrial else {
            return .never(reason: "has \(gpus) GPU\(gpus == 1 ? "" : "s"), a trial needs \(perTrial)")
        }
        return .trials(max(min(slots, gpus / perTrial), 0))
    }
}
