import ArgumentParser
import Foundation
import HPOControl
import HPOCore
import HPOStudyFile
import HPOZeroMQ

/// `hpo control ENDPOINT ACTION [VALUE]`: one action for a coordinator started with `--control`.
struct ControlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Act on a running study through its coordinator's control address (--control).",
        discussion: """
            Actions:
              stop-trial N     stop trial N early (it ends as pruned, stopped by the user)
              stop-study       no new trials; the running ones finish, then the study ends
              add-budget K     raise the study's trial budget by K
              enqueue JSON     run this configuration next, e.g. '{"x0": 1.5, "x1": 2}'
              enqueue FILE     each configuration of FILE (JSON Lines or a YAML list), in order
            Exit status: 0 accepted, 1 refused by the coordinator (the reason is printed), 2 no answer (or an unreadable
            file), 64 bad usage.
            Examples:
              hpo control tcp://127.0.0.1:5556 stop-trial 12
              hpo control tcp://coord:5556 add-budget 20 --curve-key me.key --server-key coordinator.pub
            """)

    @Argument(help: "The coordinator's control address, e.g. tcp://127.0.0.1:5556.")
    var endpoint: String

    @Argument(help: "stop-trial, stop-study, add-budget or enqueue.")
    var action: String

    @Argument(help: "The trial (stop-trial), the number of trials (add-budget), a JSON object or a file (enqueue).")
    var value: String?

    @Option(help: "CURVE: your key file (from `hpo keygen`), authorised by the coordinator.")
    var curveKey: String?

    @Option(help: "CURVE: the coordinator's public key, or its .pub file (a key starting with '-': --server-key=KEY).")
    var serverKey: String?

    @Option(help: "Seconds to wait for the coordinator's answer.")
    var timeout = 10.0

    func validate() throws {
        guard (curveKey == nil) == (serverKey == nil) else {
            throw ValidationError("--curve-key and --server-key go together")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        let needsValue = action != "stop-study"
        guard ["stop-trial", "stop-study", "add-budget", "enqueue"].contains(action) else {
            throw ValidationError("unknown action '\(action)': expected stop-trial, stop-study, add-budget or enqueue")
        }
        if needsValue && value == nil { throw ValidationError("\(action) needs a value (see --help)") }
        if !needsValue && value != nil { throw ValidationError("stop-study takes no value") }
    }

    func run() throws {
        let actions = try controlActions()
        let curve: CurveClientSettings?
        do {
            curve = try curveKey.map { key in
                CurveClientSettings(
                    keyPair: try CurveKeyFile.readKeyPair(path: key),
                    serverPublicKey: try CurveKeyFile.readPublicKey(serverKey ?? ""))
            }
        } catch let error as CurveKeyError {
            throw ValidationError(error.description)
        }
        let client: ControlClient
        do {
            client = try ControlClient(endpoint: endpoint, curve: curve)
        } catch let error as ControlClientError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        var refused = false
        for action in actions {
            let reply: ControlReply
            do {
                reply = try client.send(ControlRequest(action: action, origin: Self.origin), timeout: timeout)
            } catch let error as ControlClientError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            if reply.accepted {
                print("accepted: \(reply.message)")
            } else {
                printError("refused: \(reply.message)")
                refused = true
            }
        }
        if refused { throw ExitCode(1) }
    }

    /// Who asks, for the coordinator's log: this tool, the user id and name, the host.
    static var origin: String {
        "hpo control (uid \(getuid())) \(NSUserName())@\(ProcessInfo.processInfo.hostName)"
    }

    private func controlActions() throws -> [ControlAction] {
        let value = value ?? ""
        switch action {
        case "stop-trial":
            guard let trial = Int(value), trial >= 1 else {
                throw ValidationError("stop-trial needs a trial number (1 or more), not '\(value)'")
            }
            return [.stopTrial(trial: TrialID(trial))]
        case "add-budget":
            guard let trials = Int(value), trials >= 1 else {
                throw ValidationError("add-budget needs a number of trials (1 or more), not '\(value)'")
            }
            return [.addBudget(trials: trials)]
        case "enqueue":
            if value.first == "{" {
                do {
                    return [.enqueue(parameters: try JSONDecoder().decode(Parameters.self, from: Data(value.utf8)))]
                } catch {
                    throw ValidationError(
                        "enqueue needs a JSON object of parameter values (numbers or strings), not '\(value)'")
                }
            }
            do {
                return try EnqueueFile.load(path: value, space: nil).map { .enqueue(parameters: $0.parameters) }
            } catch let error as StudyFileError {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        default:
            return [.stopStudy]
        }
    }

    private func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
