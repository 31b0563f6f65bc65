package nl.ketenmonitor.interop;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What a partner's Java system does with the official SDK.
 *
 * <pre>
 * produce BOOTSTRAP TOPIC KEY ID SOURCE TYPE TIME TRACEPARENT JSON   (one event, binary mode)
 * consume BOOTSTRAP TOPIC id|key V1,V2,..   (one JSON line per event whose id or key is listed,
 *                                           until each value was seen once; 90 s at most)
 * </pre>
 */
public final class Interop {
  private Interop() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args);
      case "consume" -> consume(args[1], args[2], args[3], Set.of(args[4].split(",")));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void produce(String[] a) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a[1]);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, CloudEventSerializer.class);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    CloudEventBuilder builder =
        CloudEventBuilder.v1()
            .withId(a[4])
            .withSource(URI.create(a[5]))
            .withType(a[6])
            .withTime(OffsetDateTime.parse(a[7]))
            .withDataContentType("application/json")
            .withData(a[9].getBytes(StandardCharsets.UTF_8));
    if (!a[8].isEmpty()) {
      builder.withExtension("traceparent", a[8]);
    }
    builder.withExtension("partnerref", "coa-duo-4711"); // an extension ingest drops and counts
    try (KafkaProducer<String, CloudEvent> producer = new KafkaProducer<>(props)) {
      producer.send(new ProducerRecord<>(a[2], a[3], builder.build())).get();
    }
  }

  private static void consume(String bootstrap, String topic, String field, Set<String> wanted) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "java-interop-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, CloudEventDeserializer.class);
    List<String> lines = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    long deadline = System.currentTimeMillis() + 90_000;
    try (KafkaConsumer<String, CloudEvent> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      while (!seen.containsAll(wanted) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, CloudEvent> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() == null) {
            continue; // a tombstone
          }
          String value = field.equals("id") ? r.value().getId() : r.key();
          if (wanted.contains(value)) {
            seen.add(value);
            lines.add(describe(r));
          }
        }
      }
    }
    lines.forEach(System.out::println);
  }

  /** Every attribute as the SDK parsed it, as a flat JSON object (strings only). */
  private static String describe(ConsumerRecord<String, CloudEvent> r) {
    CloudEvent e = r.value();
    Map<String, String> out = new java.util.TreeMap<>();
    out.put("key", r.key() == null ? "" : r.key());
    out.put("offset", Long.toString(r.offset()));
    out.put("partition", Integer.toString(r.partition()));
    out.put("specversion", e.getSpecVersion().toString());
    out.put("id", e.getId());
    out.put("source", e.getSource().toString());
    out.put("type", e.getType());
    out.put("time", e.getTime() == null ? "" : e.getTime().toInstant().toString());
    out.put("subject", e.getSubject() == null ? "" : e.getSubject());
    out.put("datacontenttype", e.getDataContentType() == null ? "" : e.getDataContentType());
    for (String name : e.getExtensionNames()) {
      out.put("ext:" + name, String.valueOf(e.getExtension(name)));
    }
    out.put("data", e.getData() == null ? "" : new String(e.getData().toBytes(), StandardCharsets.UTF_8));
    StringBuilder json = new StringBuilder("{");
    out.forEach((k, v) -> {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append(quote(k)).append(':').append(quote(v));
    });
    return json.append('}').toString();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
