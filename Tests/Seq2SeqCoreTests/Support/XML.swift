// XML.swift — parses an SVG with Foundation's XMLParser (FoundationXML on Linux) into a flat list of elements, so
// that tests can check a picture is well-formed XML and count its cells and labels.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element of a parsed document: its name, attributes and the text directly inside it (not its children's).
struct ParsedElement {
    var name: String
    var attributes: [String: String]
    var text: String
}

private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [ParsedElement] = []
    private var open: [Int] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(ParsedElement(name: elementName, attributes: attributes, text: ""))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
}

/// The elements of `text` in document order, or nil when it is not well-formed XML.
func parseXML(_ text: String) -> [ParsedElement]? {
    let parser = XMLParser(data: Data(text.utf8))
    let collector = ElementCollector()
    parser.delegate = collector
    return parser.parse() ? collector.elements : nil
}
