import ArgumentParser
import Foundation
import HPOZeroMQ

/// `hpo keygen`: CURVE key pairs for a coordinator and its workers.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make CURVE key pairs for a coordinator and its workers.",
        discussion: """
            With no --worker, writes OUT/coordinator.key and .pub, and OUT/workers/worker.key and .pub.
            Each --worker NAME adds OUT/workers/NAME.key and .pub (for a worker per host, say).
            Secret keys (.key) are created with mode 0600. Existing files are kept unless --force.

            Coordinator: --curve-secret OUT/coordinator.key --authorized-keys OUT/workers
            Worker:      --curve-key OUT/workers/NAME.key --server-key OUT/coordinator.pub
            """)

    @Option(help: "The folder to write the keys into.")
    var out: String

    @Option(name: .customLong("worker"), help: "Make a key pair for this worker name (repeatable).")
    var workers: [String] = []

    @Flag(help: "Replace existing key files.")
    var force = false

    func validate() throws {
        for name in workers where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw ValidationError("--worker \(name): a worker name must be a plain file name")
        }
    }

    func run() throws {
        var made: [(String, String)] = []
        do {
            if workers.isEmpty {
                made.append(try make(directory: out, name: "coordinator"))
                made.append(try make(directory: "\(out)/workers", name: "worker"))
            } else {
                for name in workers { made.append(try make(directory: "\(out)/workers", name: name)) }
            }
        } catch let error as CurveKeyError {
            throw ToolFailure(error.description)
        }
        for (path, publicKey) in made { print("\(path).key  \(path).pub  public key \(publicKey)") }
    }

    private func make(directory: String, name: String) throws -> (String, String) {
        let pair = try CurveKeyPair.generate()
        try CurveKeyFile.write(pair, directory: directory, name: name, overwrite: force)
        return ("\(directory)/\(name)", pair.publicKey)
    }
}
