/// A small tree of XML elements, rendered as well-formed XML: the report's HTML (XHTML-compatible)
/// and its SVG. All text and attribute values are escaped here and nowhere else.
package struct Markup: Sendable {
    package enum Content: Sendable {
        case element(Markup)
        case text(String)
    }

    package var name: String
    package var attributes: [(String, String)]
    package var children: [Content]

    package init(_ name: String, _ attributes: [(String, String)] = [], _ children: [Content] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
    }

    /// An element holding only text.
    package init(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        self.init(name, attributes, [.text(text)])
    }

    /// Sets (or replaces) an attribute.
    package func with(_ attribute: String, _ value: String) -> Markup {
        var copy = self
        copy.attributes.removeAll { $0.0 == attribute }
        copy.attributes.append((attribute, value))
        return copy
    }

    package mutating func append(_ child: Markup) { children.append(.element(child)) }
    package mutating func append(contentsOf children: [Markup]) { self.children += children.map { .element($0) } }
    package mutating func append(text: String) { children.append(.text(text)) }

    /// The element as XML text. Childless HTML void elements and SVG shapes are self-closed
    /// (`<meta …/>`, `<circle …/>`); any other childless element is closed explicitly
    /// (`<div></div>`), since an HTML parser would read `<div/>` as an open tag.
    package func render() -> String {
        var output = ""
        render(into: &output)
        return output
    }

    package func render(into output: inout String) {
        output += "<" + name
        for (key, value) in attributes {
            output += " " + key + "=\"" + Self.escapeAttribute(value) + "\""
        }
        if children.isEmpty && Self.selfClosing.contains(name) {
            output += "/>"
            return
        }
        output += ">"
        for child in children {
            switch child {
            case .element(let element): element.render(into: &output)
            case .text(let text): output += Self.escapeText(text)
            }
        }
        output += "</" + name + ">"
    }

    /// Elements written as `<x/>` when childless: HTML's void elements and SVG's shapes.
    static let selfClosing: Set<String> = [
        "meta", "br", "hr", "img", "input", "link", "circle", "rect", "line", "path", "polyline", "polygon",
        "ellipse", "stop", "use"
    ]

    /// Escapes text content: `&`, `<`, `>`; and characters XML 1.0 forbids are dropped.
    package static func escapeText(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: if isAllowed(scalar) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// Escapes an attribute value (double-quoted): also `"` and `'`, and line breaks as references.
    package static func escapeAttribute(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\n": result += "&#10;"
            case "\r": result += "&#13;"
            case "\t": result += "&#9;"
            default: if isAllowed(scalar) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// Whether XML 1.0 allows the character (control characters other than tab and line breaks,
    /// and U+FFFE/U+FFFF, are not).
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
