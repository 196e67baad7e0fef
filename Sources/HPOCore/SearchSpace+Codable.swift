/// The space is written as an ordered list of parameters, each in the study file's own words:
/// `{"name": "lr", "type": "float", "low": 1e-5, "high": 1, "log": true}`.
extension ParameterSpec: Codable {
    enum CodingKeys: String, CodingKey {
        case name, type, low, high, log, values, steps, when
        case gridValues = "grid_values"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        gridSteps = try container.decodeIfPresent(Int.self, forKey: .steps)
        gridValues = try container.decodeIfPresent([ParameterValue].self, forKey: .gridValues)
        when = try container.decodeIfPresent([ParameterMatch].self, forKey: .when) ?? []
        let log = try container.decodeIfPresent(Bool.self, forKey: .log) ?? false
        switch try container.decode(String.self, forKey: .type) {
        case "float":
            domain = .float(
                low: try container.decode(Double.self, forKey: .low),
                high: try container.decode(Double.self, forKey: .high), log: log)
        case "int":
            domain = .int(
                low: try container.decode(Int.self, forKey: .low),
                high: try container.decode(Int.self, forKey: .high), log: log)
        case "choice":
            domain = .choice(try container.decode([ParameterValue].self, forKey: .values))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown parameter type '\(other)'")
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        switch domain {
        case .float(let low, let high, let log):
            try container.encode("float", forKey: .type)
            try container.encode(low, forKey: .low)
            try container.encode(high, forKey: .high)
            try container.encode(log, forKey: .log)
        case .int(let low, let high, let log):
            try container.encode("int", forKey: .type)
            try container.encode(low, forKey: .low)
            try container.encode(high, forKey: .high)
            try container.encode(log, forKey: .log)
        case .choice(let values):
            try container.encode("choice", forKey: .type)
            try container.encode(values, forKey: .values)
        }
        try container.encodeIfPresent(gridSteps, forKey: .steps)
        try container.encodeIfPresent(gridValues, forKey: .gridValues)
        if !when.isEmpty { try container.encode(when, forKey: .when) }
    }
}

/// A list of parameters; with `forbid:` rules, `{"parameters": [...], "forbid": [...]}` (so logs
/// of spaces without rules read as before).
extension SearchSpace: Codable {
    enum CodingKeys: String, CodingKey { case parameters, forbid }

    package init(from decoder: any Decoder) throws {
        if let list = try? decoder.singleValueContainer().decode([ParameterSpec].self) {
            self.init(list)
        } else {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                try container.decode([ParameterSpec].self, forKey: .parameters),
                forbidden: try container.decodeIfPresent([ForbiddenCombination].self, forKey: .forbid) ?? [])
        }
    }

    package func encode(to encoder: any Encoder) throws {
        if forbidden.isEmpty {
            var container = encoder.singleValueContainer()
            try container.encode(parameters)
        } else {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(parameters, forKey: .parameters)
            try container.encode(forbidden, forKey: .forbid)
        }
    }
}
