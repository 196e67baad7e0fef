import Dispatch
import Foundation
import HPOControl
import HPOCore

/// The actions of the page, sent to the coordinator of one log through its control address
/// (`ControlClient`, HPOControl). The client blocks (ZeroMQ), so requests run on a queue of their
/// own, never on the server's event loops. The coordinator journals each action with the origin
/// given here (the page's client address) before it answers.
package final class StudyControl: Sendable {
    /// The log whose coordinator listens at `endpoint` (nil: the only log `hpo serve` was given).
    package let log: String?
    package let endpoint: String
    private let client: ControlClient
    private let queue = DispatchQueue(label: "hpo serve: control")
    package let timeout: Double

    package init(log: String?, endpoint: String, client: ControlClient, timeout: Double = 10) {
        self.log = log
        self.endpoint = endpoint
        self.client = client
        self.timeout = timeout
    }

    /// Sends `action` on behalf of `peer` (the page's `HOST:PORT`).
    package func send(_ action: ControlAction, peer: String) async -> (accepted: Bool, message: String) {
        let request = ControlRequest(action: action, origin: "hpo serve: page at \(peer)")
        let client = client
        let timeout = timeout
        return await withCheckedContinuation { continuation in
            queue.async {
                do {
                    let reply = try client.send(request, timeout: timeout)
                    continuation.resume(returning: (reply.accepted, reply.message))
                } catch {
                    continuation.resume(returning: (false, "\(error)"))
                }
            }
        }
    }

    /// An action from the page's JSON (`{"action": "stop_trial", "trial": 12}`, `stop_study`,
    /// `add_budget` with `trials`, `enqueue` with `params`), or why not.
    package static func action(from body: [UInt8]) -> Result<ControlAction, ActionError> {
        guard let request = try? JSONDecoder().decode(ActionBody.self, from: Data(body)) else {
            return .failure(
                ActionError("expected a JSON object with an \"action\" (and \"trial\", \"trials\" or \"params\")"))
        }
        switch request.action {
        case "stop_trial":
            guard let trial = request.trial, trial >= 1 else {
                return .failure(ActionError("stop_trial needs \"trial\": a trial number (1 or more)"))
            }
            return .success(.stopTrial(trial: TrialID(trial)))
        case "stop_study":
            return .success(.stopStudy)
        case "add_budget":
            guard let trials = request.trials, (1...1_000_000).contains(trials) else {
                return .failure(ActionError("add_budget needs \"trials\": a whole number from 1 to 1,000,000"))
            }
            return .success(.addBudget(trials: trials))
        case "enqueue":
            guard let params = request.params, !params.isEmpty, params.count <= 256 else {
                return .failure(ActionError("enqueue needs \"params\": an object of parameter values"))
            }
            return .success(.enqueue(parameters: params))
        default:
            return .failure(
                ActionError("unknown action \(request.action): stop_trial, stop_study, add_budget, enqueue"))
        }
    }

    private struct ActionBody: Decodable {
        var action: String
        var trial: Int?
        var trials: Int?
        var params: Parameters?
    }

    package struct ActionError: Error, CustomStringConvertible {
        package let description: String
        init(_ description: String) { self.description = description }
    }
}
