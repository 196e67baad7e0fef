import Foundation
import HPOCoordinator
import HPOCore
import HPOWire
import Testing

/// The checkpoint store on a real disk: a commit leaves exactly the final archive; an abort and a
/// restart's sweep leave nothing the log does not name.
@Suite struct CheckpointStoreTests {
    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "hpo-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(
        """
        begin, append, commit: the archive under its final name with the bytes sent, no temporary file left; read \
        gives chunks back
        """
    )
    func commit() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CheckpointStore(logPath: dir + "/results.jsonl")
        let key = TrialKey(trial: TrialID(4), attempt: 2)
        let bytes = Data((0..<300_000).map { UInt8($0 % 199) })
        try store.begin(key)
        try store.append(key, bytes.prefix(200_000))
        try store.append(key, bytes.dropFirst(200_000))
        let sha = SHA256.hex(of: bytes)
        let name = try store.commit(key, step: 9, sha256: sha)
        #expect(name == "step-9-\(sha.prefix(16)).ckpt")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir + "/results.jsonl.checkpoints/trial-4") == [name])
        #expect(store.size(of: TrialID(4), file: name) == bytes.count)
        #expect(try store.read(TrialID(4), file: name, offset: 1000, count: 10) == bytes[1000..<1010])
        #expect(throws: CheckpointStoreError.self) { try store.append(key, Data([1])) }
    }

    @Test("an abort leaves nothing; a sweep keeps only what the log names; removeTrial removes the folder")
    func abortAndSweep() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CheckpointStore(logPath: dir + "/log.jsonl")
        let a = TrialKey(trial: TrialID(1), attempt: 1)
        let b = TrialKey(trial: TrialID(2), attempt: 1)
        try store.begin(a)
        try store.append(a, Data([1, 2, 3]))
        store.abort(a)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.folder(of: TrialID(1))).isEmpty)
        try store.begin(b)
        try store.append(b, Data([1]))
        let kept = try store.commit(b, step: 1, sha256: SHA256.hex(of: [1]))
        try store.begin(b)
        try store.append(b, Data([2]))
        let newer = try store.commit(b, step: 2, sha256: SHA256.hex(of: [2]))
        try store.begin(b)  // cut off by a crash
        try store.append(b, Data([3]))
        // A restart whose log names `kept` for trial 2 and nothing for trial 1.
        let restarted = CheckpointStore(logPath: dir + "/log.jsonl")
        restarted.sweep(keeping: [TrialID(2): kept])
        #expect(!FileManager.default.fileExists(atPath: restarted.folder(of: TrialID(1))))
        #expect(try FileManager.default.contentsOfDirectory(atPath: restarted.folder(of: TrialID(2))) == [kept])
        #expect(restarted.size(of: TrialID(2), file: newer) == nil)
        restarted.removeTrial(TrialID(2))
        #expect(!FileManager.default.fileExists(atPath: restarted.folder(of: TrialID(2))))
    }
}
