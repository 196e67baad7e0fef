import Foundation
import HPOCore
import HPOJournal
import HPOReport
import Testing

@testable import HPOServe

/// Following a log: only new bytes read, a torn last line held back until its rest arrives, a
/// replaced log read again, and the fold line by line equal to the whole log read at once.
struct LogFollowerTests {
    static func config() -> StudyConfig {
        StudyConfig(
            name: "followed", objective: Objective(metric: "objective", direction: .minimize),
            budget: Budget(trials: 20), strategy: StrategyConfig(kind: .random), seed: 1,
            space: SearchSpace([ParameterSpec(name: "x", domain: .float(low: 0, high: 1, log: false))]),
            trial: TrialSpec(program: .builtin("branin")))
    }

    /// A real log of `trials` completed trials (JournalWriter), its bytes.
    static func logBytes(trials: Int) throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "follow-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try JournalWriter(path: path)
        let worker = WorkerID("w:1")
        try writer.append(
            [.studyStarted(StudyStarted(study: "followed", config: config(), software: "0.1.0", host: "box"))],
            time: 100)
        try writer.append([.workerJoined(WorkerJoined(worker: worker, host: "h", pid: 1, slots: 1))], time: 100.5)
        for n in 1...trials {
            let params: Parameters = ["x": .double(Double(n) / Double(trials + 1))]
            let time = 100 + Double(n)
            try writer.append(
                [.trialDispatched(TrialDispatched(trial: TrialID(n), attempt: 1, worker: worker, params: params))],
                time: time)
            try writer.append(
                [
                    .trialCompleted(
                        TrialCompleted(
                            trial: TrialID(n), attempt: 1, params: params, objective: Double((n * 7) % 11),
                            metrics: [:], worker: worker, durationSeconds: 0.5))
                ], time: time + 0.5)
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("bytes appended in arbitrary pieces, torn lines included, fold to what reading the whole log gives")
    func piecesFoldToTheWhole() throws {
        let bytes = try Self.logBytes(trials: 12)
        let whole = try JournalReader.parse(Data(bytes), path: "whole").records
        let path = NSTemporaryDirectory() + "follow-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let study = LiveStudy(id: "followed", path: path)
        var generator = SystemRandomNumberGenerator()
        var written = 0
        var sawTorn = false
        var rounds = 0
        while written < bytes.count && rounds < 10_000 {
            rounds += 1
            let piece = min(bytes.count - written, Int.random(in: 1...180, using: &generator))
            try handle.write(contentsOf: Data(bytes[written..<(written + piece)]))
            written += piece
            _ = study.refresh()
            let complete = bytes[..<written].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            // Only complete lines are read as records; the rest waits.
            #expect(study.follower.offset == UInt64(complete))
            #expect(study.follower.hasTornTail == (complete < written))
            sawTorn = sawTorn || study.follower.hasTornTail
            #expect(study.problem == nil)
        }
        try handle.close()
        #expect(sawTorn)
        #expect(study.records == whole)
        #expect(study.current.summary == StudySummary(records: whole, top: 10))
        #expect(study.current.summary.counts.completed == 12)
    }

    @Test("a log replaced by a shorter one is read again from its start")
    func replacedLogRestarts() throws {
        let path = NSTemporaryDirectory() + "follow-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(try Self.logBytes(trials: 8)).write(to: URL(fileURLWithPath: path))
        let study = LiveStudy(id: "followed", path: path)
        #expect(study.refresh())
        #expect(study.current.summary.counts.completed == 8)
        #expect(!study.refresh(), "nothing new: no change")
        let version = study.version
        try Data(try Self.logBytes(trials: 3)).write(to: URL(fileURLWithPath: path))
        #expect(study.refresh())
        #expect(study.version > version)
        #expect(study.current.summary.counts.completed == 3)
    }

    @Test("a file that is not a results log is reported, not fatal")
    func notAResultsLog() throws {
        let path = NSTemporaryDirectory() + "follow-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\"not\": \"a log\"}\nsecond line\n".utf8).write(to: URL(fileURLWithPath: path))
        let study = LiveStudy(id: "bad", path: path)
        #expect(study.refresh())
        #expect(study.problem?.contains(path) == true)
        #expect(study.records.isEmpty)
    }
}
