import Foundation
import HPOZeroMQ
import Testing

@Suite struct EndpointAndKeyTests {
    @Test(
        "loopback endpoints are told from the others",
        arguments: [
            ("tcp://127.0.0.1:5555", true), ("tcp://127.1.2.3:1", true), ("tcp://localhost:5555", true),
            ("tcp://[::1]:5555", true), ("ipc:///tmp/hpo.sock", true), ("inproc://x", true),
            ("tcp://eth0;127.0.0.1:5555", true), ("tcp://192.0.2.1:5555", false), ("tcp://coord-host:5555", false),
            ("tcp://0.0.0.0:5555", false), ("tcp://*:5555", false), ("tcp://127.0.0.1;192.0.2.1:5555", false),
            ("tcp://localhost.example.com:1", false), ("udp://127.0.0.1:1", false)
        ])
    func loopback(endpoint: String, expected: Bool) {
        #expect(ZeroMQEndpoint.isLoopback(endpoint) == expected)
    }

    @Test("a server key is checked to be Z85 for 32 bytes, given as text or in a file")
    func serverKeyChecked() throws {
        let pair = try CurveKeyPair.generate()
        #expect(try CurveKeyFile.readPublicKey(pair.publicKey) == pair.publicKey)
        // 40 characters, but '"' and '~' are not in Z85's alphabet.
        let bad = "\"" + String(pair.publicKey.dropFirst(2)) + "~"
        #expect(bad.count == 40)
        #expect {
            _ = try CurveKeyFile.readPublicKey(bad)
        } throws: { error in
            (error as? CurveKeyError)?.description.contains("is not a CURVE public key") == true
        }
        let folder = NSTemporaryDirectory() + "hpo-keytest-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/coordinator.pub"
        try "public-key = \(bad)\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try CurveKeyFile.readPublicKey(file)
        } throws: { error in
            (error as? CurveKeyError)?.description == "\(file): the public key is not valid Z85 for 32 bytes"
        }
    }
}
