import HPOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a `.builtin(name)` trial: evaluates the function at the parameters `x0…x(d-1)`, then
/// sleeps `spec.sleepSeconds` (to imitate training) while watching the timeout and cancellation.
enum BuiltinTrial {
    static let sleepSlice: Duration = .milliseconds(20)

    static func run(_ name: String, _ context: TrialContext, cancellation: TrialCancellation) -> TrialResult {
        let clock = ContinuousClock()
        let start = clock.now
        func failed(_ reason: String) -> TrialResult {
            TrialResult(status: .failed, metrics: [:], reason: reason, durationSeconds: (clock.now - start).seconds)
        }

        let value: Double
        do {
            if let function = NamedFunction.named(name) {
                value = try function(context.parameters)
            } else if let function = BuiltinFunction.named(name) {
                value = function(try inputs(for: function, from: context.parameters))
            } else {
                let known = (BuiltinFunction.allNames + NamedFunction.all.map(\.name)).joined(separator: ", ")
                return failed("unknown built-in function '\(name)' (known: \(known))")
            }
        } catch {
            return failed(error.description)
        }
        guard value.isFinite else { return failed("objective is \(value.isNaN ? "NaN" : "infinite")") }

        let deadline = Duration.studySeconds(context.spec.timeoutSeconds).map { start + $0 }
        let wakeUp = start + (Duration.studySeconds(context.spec.sleepSeconds) ?? .zero)
        while true {
            if let reason = cancellation.reason { return failed(reason) }
            let now = clock.now
            if let deadline, now >= deadline, deadline <= wakeUp {
                return failed("timeout after \(formatSeconds(context.spec.timeoutSeconds ?? 0)) s")
            }
            if now >= wakeUp { break }
            let until = min(wakeUp, deadline ?? wakeUp, now + sleepSlice)
            usleep(UInt32(max((until - now).microseconds, 0)))
        }
        return TrialResult(
            status: .completed,
            metrics: ["objective": value],
            durationSeconds: (clock.now - start).seconds
        )
    }

    /// The function's inputs: `x0…x(d-1)`, where d is the function's dimension, or for functions
    /// of any dimension one more than the highest `xN` among the parameters.
    static func inputs(for function: BuiltinFunction, from parameters: Parameters) throws(TrialSetupError) -> [Double] {
        let dimension: Int
        if let fixed = function.dimension {
            dimension = fixed
        } else {
            let indices = parameters.keys.compactMap { name -> Int? in
                let digits = name.utf8.dropFirst()
                guard name.first == "x", !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    return nil
                }
                return Int(String(name.dropFirst()))
            }
            dimension = (indices.max() ?? -1) + 1
            guard dimension >= function.minimumDimension else {
                let needed = "\(function.minimumDimension) parameter(s) x0, x1, …"
                throw TrialSetupError(description: "\(function.name) needs at least \(needed) but got \(dimension)")
            }
        }
        var x: [Double] = []
        for index in 0..<dimension {
            let name = "x\(index)"
            guard let value = parameters[name] else {
                throw TrialSetupError(
                    description: "parameter '\(name)' missing (\(function.name) reads x0…x\(dimension - 1))"
                )
            }
            guard let number = value.doubleValue else {
                throw TrialSetupError(description: "parameter '\(name)' is not numeric ('\(value)')")
            }
            x.append(number)
        }
        return x
    }
}
