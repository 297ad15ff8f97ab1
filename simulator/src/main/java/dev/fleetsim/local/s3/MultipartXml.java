package dev.fleetsim.local.s3;

import java.io.StringReader;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** S3's multipart XML: the answers to Create, Complete and ListParts, and the part list of a Complete request. */
final class MultipartXml {
    private MultipartXml() {}

    static String initiated(String bucket, String key, String uploadId) {
        return "<InitiateMultipartUploadResult xmlns=\"" + S3Xml.XMLNS + "\"><Bucket>" + S3Xml.escape(bucket)
                + "</Bucket><Key>" + S3Xml.escape(key) + "</Key><UploadId>" + uploadId
                + "</UploadId></InitiateMultipartUploadResult>";
    }

    static String completed(String location, String bucket, String key, ObjectStore.Meta meta) {
        return "<CompleteMultipartUploadResult xmlns=\"" + S3Xml.XMLNS + "\"><Location>" + S3Xml.escape(location)
                + "</Location><Bucket>" + S3Xml.escape(bucket) + "</Bucket><Key>" + S3Xml.escape(key) + "</Key><ETag>"
                + S3Xml.escape(meta.etag()) + "</ETag></CompleteMultipartUploadResult>";
    }

    static String parts(String bucket, String key, String uploadId, List<ObjectStore.Part> parts) {
        StringBuilder b = new StringBuilder("<ListPartsResult xmlns=\"" + S3Xml.XMLNS + "\"><Bucket>")
                .append(S3Xml.escape(bucket))
                .append("</Bucket><Key>")
                .append(S3Xml.escape(key))
                .append("</Key><UploadId>")
                .append(uploadId)
                .append("</UploadId><PartNumberMarker>0</PartNumberMarker><MaxParts>")
                .append(ObjectStore.MAX_PARTS)
                .append("</MaxParts><IsTruncated>false</IsTruncated>");
        for (ObjectStore.Part p : parts) {
            b.append("<Part><PartNumber>")
                    .append(p.number())
                    .append("</PartNumber><LastModified>")
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(p.lastModifiedMillis())))
                    .append("</LastModified><ETag>")
                    .append(S3Xml.escape(p.etag()))
                    .append("</ETag><Size>")
                    .append(p.size())
                    .append("</Size></Part>");
        }
        return b.append("</ListPartsResult>").toString();
    }

    static String uploads(String bucket, List<ObjectStore.MultipartUpload> uploads) {
        StringBuilder b = new StringBuilder("<ListMultipartUploadsResult xmlns=\"" + S3Xml.XMLNS + "\"><Bucket>")
                .append(S3Xml.escape(bucket))
                .append(
                        "</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads>")
                .append("<IsTruncated>false</IsTruncated>");
        for (ObjectStore.MultipartUpload u : uploads) {
            b.append("<Upload><Key>")
                    .append(S3Xml.escape(u.key()))
                    .append("</Key><UploadId>")
                    .append(u.uploadId())
                    .append("</UploadId><Initiated>")
                    .append(DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(u.initiatedMillis())))
                    .append("</Initiated><StorageClass>STANDARD</StorageClass></Upload>");
        }
        return b.append("</ListMultipartUploadsResult>").toString();
    }

    /** The (part number, ETag) pairs of a CompleteMultipartUpload body, in the order given. */
    static List<Map.Entry<Integer, String>> parts(String xml) {
        Document doc;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true); // no XXE
            factory.setExpandEntityReferences(false);
            doc = factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw malformed();
        }
        Element root = doc.getDocumentElement();
        String name = root.getNodeName();
        if (!name.equals("CompleteMultipartUpload") && !name.endsWith(":CompleteMultipartUpload")) {
            throw malformed();
        }
        List<Map.Entry<Integer, String>> out = new ArrayList<>();
        NodeList parts = root.getElementsByTagName("Part");
        for (int i = 0; i < parts.getLength(); i++) {
            Element part = (Element) parts.item(i);
            String number = text(part, "PartNumber");
            String etag = text(part, "ETag");
            if (number == null || !number.trim().matches("\\d{1,5}") || etag == null) {
                throw malformed();
            }
            out.add(new AbstractMap.SimpleImmutableEntry<>(Integer.parseInt(number.trim()), etag.trim()));
        }
        return out;
    }

    private static String text(Element parent, String name) {
        NodeList nodes = parent.getElementsByTagName(name);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent();
    }

    private static S3Exception malformed() {
        return new S3Exception(
                400,
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema.");
    }
}
