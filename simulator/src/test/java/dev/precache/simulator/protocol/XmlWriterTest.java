package dev.precache.simulator.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class XmlWriterTest {

    @Test
    void whatXmlCannotCarryIsReplacedAndTheDocumentParses() throws Exception {
        String text = "bel\u0007 nul\u0000 esc\u001b <&>\"' tab\tline\ncr\r surrogate\ud800 ok\ud83d\ude00";

        Document document = parse(new XmlWriter().root("R", "urn:test").element("V", text).toXml());

        assertThat(document.getDocumentElement().getTextContent()).isEqualTo(
                "bel\uFFFD nul\uFFFD esc\uFFFD <&>\"' tab\tline\ncr\r surrogate\uFFFD ok\ud83d\ude00");
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
