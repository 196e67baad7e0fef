import Foundation
import HPOWire
import HPOWorker
import Testing

/// The checkpoint archive: what is packed comes back byte for byte; links and specials are not
/// packed; an archive naming a path outside its folder, or cut short, is refused.
@Suite struct CheckpointArchiveTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "hpo-archive-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a folder packs and unpacks to the same files (nested, empty, binary); the checksum is the file's")
    func roundTrip() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = root + "/src"
        try FileManager.default.createDirectory(atPath: source + "/sub/deeper", withIntermediateDirectories: true)
        let big = Data((0..<300_000).map { UInt8($0 % 256) })
        try big.write(to: URL(fileURLWithPath: source + "/sub/deeper/weights.bin"))
        try Data("{\"step\": 3}".utf8).write(to: URL(fileURLWithPath: source + "/state.json"))
        try Data().write(to: URL(fileURLWithPath: source + "/empty"))
        try FileManager.default.createDirectory(atPath: source + "/nothing", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: source + "/link", withDestinationPath: "/etc/passwd")

        let packed = try CheckpointArchive.pack(folder: source, into: root + "/a.ckpt")
        let archive = try Data(contentsOf: URL(fileURLWithPath: root + "/a.ckpt"))
        #expect(packed.size == archive.count)
        #expect(packed.sha256 == SHA256.hex(of: archive))
        #expect(packed.skipped == ["link"], "a symbolic link is not packed")

        try CheckpointArchive.unpack(root + "/a.ckpt", into: root + "/out")
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/out/sub/deeper/weights.bin")) == big)
        #expect(try String(contentsOfFile: root + "/out/state.json", encoding: .utf8) == "{\"step\": 3}")
        #expect(FileManager.default.fileExists(atPath: root + "/out/empty"))
        #expect(FileManager.default.fileExists(atPath: root + "/out/nothing"))
        #expect(!FileManager.default.fileExists(atPath: root + "/out/link"))
        // The same folder packs to the same bytes.
        #expect(try CheckpointArchive.pack(folder: source, into: root + "/b.ckpt").sha256 == packed.sha256)
    }

    /// An archive by hand: one file entry with `path`.
    func archive(path: String, contents: [UInt8] = [1, 2, 3], end: Bool = true) -> Data {
        func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xff) } }
        var bytes = Array("HPOCKPT1".utf8)
        bytes +=
            [UInt8(ascii: "F")] + be32(path.utf8.count) + Array(path.utf8) + be32(0o644) + [0, 0, 0, 0]
            + be32(contents.count)
        bytes += contents
        if end { bytes.append(UInt8(ascii: "E")) }
        return Data(bytes)
    }

    @Test(
        """
        hostile archives are refused before anything lands outside the folder: .., absolute paths, cut short, \
        trailing bytes
        """
    )
    func hostile() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cases: [(String, Data)] = [
            ("dotdot", archive(path: "../escaped")),
            ("nested", archive(path: "a/../../escaped")),
            ("absolute", archive(path: "/tmp/escaped")),
            ("empty", archive(path: "")),
            ("short", archive(path: "x", end: false)),
            ("trailing", archive(path: "x") + Data([0])),
            ("magic", Data("NOTACKPT".utf8))
        ]
        for (name, data) in cases {
            try data.write(to: URL(fileURLWithPath: "\(root)/\(name).ckpt"))
            #expect(throws: CheckpointArchiveError.self, "\(name)") {
                try CheckpointArchive.unpack("\(root)/\(name).ckpt", into: "\(root)/out-\(name)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/escaped"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/escaped"))
        // Unpacking never reuses a folder that exists.
        try archive(path: "x").write(to: URL(fileURLWithPath: root + "/ok.ckpt"))
        try FileManager.default.createDirectory(atPath: root + "/taken", withIntermediateDirectories: true)
        #expect(throws: CheckpointArchiveError.self) {
            try CheckpointArchive.unpack(root + "/ok.ckpt", into: root + "/taken")
        }
    }
}
