import Foundation
import HPOCore
import HPOJSON
import HPOWire

/// Why a control message was not understood: said in the error reply and in the coordinator's log.
package struct ControlCodecError: Error, Equatable, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Control messages as frames: the tag `hpo-control/1`, then one JSON object (docs/protocol.md,
/// "Control"). Decoding checks every field against `ControlLimits`; a request out of bounds is
/// an error, never a crash.
package enum ControlCodec {
    package static let tag = Array("hpo-control/1".utf8)

    private struct RequestBody: Codable {
        var id: String?
        var action: String
        var origin: String?
        // Numbers as read (a whole number is checked below, with a message that says so).
        var trial: Double?
        var trials: Double?
        var params: Parameters?
    }

    private struct ReplyBody: Codable {
        var id: String?
        var accepted: Bool
        var message: String
    }

    package static func encode(_ request: ControlRequest, id: String) -> Frames {
        var body = RequestBody(id: id, action: request.action.name, origin: request.origin)
        switch request.action {
        case .stopTrial(let trial): body.trial = Double(trial.rawValue)
        case .stopStudy: break
        case .addBudget(let trials): body.trials = Double(trials)
        case .enqueue(let parameters): body.params = parameters
        }
        return [tag, Array((try? JSONCoding.makeEncoder().encode(body)) ?? Data())]
    }

    package static func encode(_ reply: ControlReply, id: String?) -> Frames {
        let body = ReplyBody(id: id, accepted: reply.accepted, message: reply.message)
        return [tag, Array((try? JSONCoding.makeEncoder().encode(body)) ?? Data())]
    }

    /// The request id of a message, read leniently so that even a request refused as malformed
    /// gets a reply its client can match. Nil when there is none worth echoing.
    package static func requestID(_ frames: Frames) -> String? {
        struct OnlyID: Decodable { var id: String? }
        guard frames.count == 2, frames[0] == tag,
            let id = (try? JSONDecoder().decode(OnlyID.self, from: Data(frames[1])))?.id,
            id.utf8.count <= ControlLimits.maxIDBytes
        else { return nil }
        return id
    }

    /// Decodes and checks a request; `origin` is cut to its bound.
    package static func decodeRequest(_ frames: Frames) throws(ControlCodecError) -> (
        id: String?, request: ControlRequest
    ) {
        guard frames.count == 2 else { throw ControlCodecError("expected 2 frames, got \(frames.count)") }
        guard frames[0] == tag else {
            let shown = WireBounds.truncated(String(decoding: frames[0].prefix(32), as: UTF8.self), maxBytes: 32)
            throw ControlCodecError("not a control request (tag \"\(shown)\", expected \"hpo-control/1\")")
        }
        guard frames[1].count <= ControlLimits.maxMessageBytes else {
            throw ControlCodecError("request of \(frames[1].count) bytes, more than \(ControlLimits.maxMessageBytes)")
        }
        let body: RequestBody
        do {
            body = try JSONCoding.makeDecoder().decode(RequestBody.self, from: Data(frames[1]))
        } catch {
            throw ControlCodecError("malformed request: \(JSONCoding.describe(error))")
        }
        if let id = body.id, id.utf8.count > ControlLimits.maxIDBytes {
            throw ControlCodecError("id of \(id.utf8.count) bytes, more than \(ControlLimits.maxIDBytes)")
        }
        let origin = WireBounds.truncated(body.origin ?? "unnamed client", maxBytes: ControlLimits.maxOriginBytes)
        let action: ControlAction
        switch body.action {
        case "stop_trial":
            guard let number = body.trial else { throw ControlCodecError("stop_trial needs \"trial\" (a number)") }
            let trial = try wholeNumber(number, field: "trial", in: 1...ControlLimits.maxTrial)
            action = .stopTrial(trial: TrialID(trial))
        case "stop_study":
            action = .stopStudy
        case "add_budget":
            guard let number = body.trials else { throw ControlCodecError("add_budget needs \"trials\" (a number)") }
            let trials = try wholeNumber(number, field: "trials", in: 1...ControlLimits.maxBudgetIncrease)
            action = .addBudget(trials: trials)
        case "enqueue":
            guard let params = body.params else { throw ControlCodecError("enqueue needs \"params\" (an object)") }
            if let problem = violation(in: params) { throw ControlCodecError(problem) }
            action = .enqueue(parameters: params)
        default:
            let shown = WireBounds.truncated(body.action, maxBytes: 64)
            throw ControlCodecError(
                "unknown action \"\(shown)\" (expected stop_trial, stop_study, add_budget or enqueue)")
        }
        return (body.id, ControlRequest(action: action, origin: origin))
    }

    package static func decodeReply(_ frames: Frames) throws(ControlCodecError) -> (id: String?, reply: ControlReply) {
        guard frames.count == 2, frames[0] == tag else { throw ControlCodecError("not a control reply") }
        do {
            let body = try JSONCoding.makeDecoder().decode(ReplyBody.self, from: Data(frames[1]))
            return (body.id, ControlReply(accepted: body.accepted, message: body.message))
        } catch {
            throw ControlCodecError("malformed reply: \(JSONCoding.describe(error))")
        }
    }

    /// `number` as an integer in `range`, or why not.
    private static func wholeNumber(_ number: Double, field: String, in range: ClosedRange<Int>)
        throws(ControlCodecError) -> Int
    {
        guard number.isFinite, number == number.rounded(), number >= Double(range.lowerBound),
            number <= Double(range.upperBound)
        else {
            throw ControlCodecError(
                "\(field) \(number) is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(number)
    }

    /// The bounds of `params` (the wire's, `WireLimits`): how many, names, string lengths, and
    /// finite numbers. Whether they fit the study's space is the coordinator's check.
    static func violation(in params: Parameters) -> String? {
        guard params.count <= WireLimits.maxParameters else {
            return "\(params.count) params, more than \(WireLimits.maxParameters)"
        }
        for (name, value) in params.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.count <= WireLimits.maxMetricNameBytes else {
                return "a parameter name of \(name.utf8.count) bytes (expected 1...\(WireLimits.maxMetricNameBytes))"
            }
            switch value {
            case .double(let x) where !x.isFinite:
                return "parameter \"\(name)\" is \(x), not a finite number"
            case .string(let text) where text.utf8.count > WireLimits.maxParameterStringBytes:
                return "parameter \"\(name)\" is a string of \(text.utf8.count) bytes, "
                    + "more than \(WireLimits.maxParameterStringBytes)"
            default:
                continue
            }
        }
        return nil
    }
}
