import Foundation
import HPOWire
import HPOWorker
import Testing

/// Workers on one host keep each other's GPUs (`GPUClaims`, flock on one file per device).
@Suite struct GPUClaimsTests {
    let devices = (0..<4).map { GPUDevice(id: "\($0)", uuid: "GPU-0000000\($0)-aaaa") }

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "hpo-claims-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(
        """
        auto takes the devices no other worker holds, at most its slots; a list takes its devices and says which \
        are shared
        """
    )
    func take() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var first: GPUClaims? = GPUClaims(directory: directory)
        #expect(first?.take(devices, auto: true, limit: 1).devices.map(\.id) == ["0"])
        let second = GPUClaims(directory: directory)
        #expect(second.take(devices, auto: true, limit: 2).devices.map(\.id) == ["1", "2"])
        let third = GPUClaims(directory: directory)
        let (rest, notes) = third.take(devices, auto: true, limit: nil)
        #expect(rest.map(\.id) == ["3"])
        #expect(notes == ["GPUs 0, 1, 2 handed out by another hpo-worker on this host: left to it"])
        // An explicit list is honoured, with a note.
        let fourth = GPUClaims(directory: directory)
        let listed = fourth.take([devices[1]], auto: false, limit: nil)
        #expect(listed.devices.map(\.id) == ["1"])
        #expect(
            listed.notes == [
                "GPU 1 also handed out by another hpo-worker on this host (--gpus): trials of both may share it"
            ])
        // A worker that ends releases its devices: the next one takes them.
        first = nil
        #expect(GPUClaims(directory: directory).take(devices, auto: true, limit: nil).devices.map(\.id) == ["0"])
    }

    @Test("a lock folder that cannot be used withholds nothing")
    func unusable() {
        let claims = GPUClaims(directory: "/nonexistent-\(UUID().uuidString)")
        #expect(claims.take(devices, auto: true, limit: nil).devices == devices)
    }
}
