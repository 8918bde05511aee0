// 「文档管理」: upload with progress, list, delete with confirmation, chunk preview, job polling.
// Talks to the API (POST/DELETE /documents, /jobs) with the key typed into the tab.
(function () {
  var STATUS = {indexed: "已索引", indexing: "索引中", pending: "等待索引", error: "出错",
                removing: "删除中"};
  var lastRows = null, lastBody = null;
  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function headers() {
    var box = $("kb-key"), h = {};
    var key = box ? box.value.trim() : "";
    if (key) { h["Authorization"] = "Bearer " + key; try { sessionStorage.setItem("kb-key", key); } catch (e) {} }
    return h;
  }
  function say(text, kind) {
    var m = $("kb-msg");
    if (!m) return;
    m.className = "kb-msg " + (kind || "");
    m.innerHTML = text;
  }
  function detail(xhrText, status) {
    try { var b = JSON.parse(xhrText); if (b && b.detail) return b.detail; } catch (e) {}
    return "请求失败 (HTTP " + status + ")";
  }

  // The list
  function load() {
    var root = $("kb-root");
    if (!root) return Promise.resolve();
    root.setAttribute("data-loaded", "1");
    var key = $("kb-key");
    if (key && !key.value) { try { key.value = sessionStorage.getItem("kb-key") || ""; } catch (e) {} }
    return fetch("/documents").then(function (r) {
      return r.json().then(function (b) { return {ok: r.ok, body: b}; });
    }).then(function (res) {
      var tbody = document.querySelector("#kb-table tbody");
      if (!tbody) return;
      if (!res.ok) {
        lastRows = null;
        tbody.innerHTML = '<tr><td colspan="6" class="kb-empty">' + esc(res.body.detail || "无法读取列表") + "</td></tr>";
        return;
      }
      var docs = res.body.documents || [];
      if (!docs.length) { lastRows = null; tbody.innerHTML = '<tr><td colspan="6" class="kb-empty">还没有文档，请上传。</td></tr>'; return; }
      var html = docs.map(function (d) {
        var status = STATUS[d.status] || d.status;
        var err = d.error ? '<div class="kb-err">' + esc(d.error) + "</div>" : "";
        return '<tr class="kb-doc" data-doc="' + esc(d.doc_id) + '" data-source="' + esc(d.source) + '">' +
          '<td><div class="kb-title">' + esc(d.title || d.source) + '</div><div class="kb-src">' + esc(d.source) + "</div>" + err + "</td>" +
          "<td>" + esc(d.county || "—") + "</td><td>" + esc(d.year || "—") + "</td>" +
          '<td class="kb-chunks">' + esc(d.chunks) + "</td>" +
          '<td><span class="kb-status ' + esc(d.status) + '">' + esc(status) + "</span></td>" +
          '<td class="kb-actions"><button type="button" class="kb-btn kb-prev">切分预览</button>' +
          '<button type="button" class="kb-btn danger kb-del">删除</button></td></tr>';
      }).join("");
      // Unchanged: keep the rows (and a click in flight); a re-mounted tab is drawn again
      if (html === lastRows && tbody === lastBody) return;
      lastRows = html;
      lastBody = tbody;
      tbody.innerHTML = html;
    }).catch(function () { say("无法连接服务器 (cannot reach the server)", "bad"); });
  }

  // A job: poll until done, then say what happened per file
  function follow(job, verb) {
    var t0 = Date.now();
    function tick() {
      fetch("/jobs/" + encodeURIComponent(job.id)).then(function (r) { return r.json(); }).then(function (j) {
        if (j.state === "done" || j.state === "failed") {
          var errs = (j.errors || []).map(function (e) {
            return "<li><b>" + esc(e.file || "索引") + "</b>：" + esc(e.message) + "</li>";
          }).join("");
          $("kb-progress").hidden = true;
          load().then(function () {  // the list first, then the word "完成"
            if (j.state === "done") say(verb + "完成，索引已更新。" + (errs ? "以下文件未能载入：<ul>" + errs + "</ul>" : ""), errs ? "warn" : "ok");
            else say("索引失败：<ul>" + errs + "</ul>原有索引保持不变。", "bad");
          });
          return;
        }
        var p = $("kb-progress");
        p.hidden = false;
        if (j.chunks_total) { p.max = j.chunks_total; p.value = j.chunks_done; }
        var where = j.state === "queued" ? "排队中" : j.phase === "embedding" ?
          "正在嵌入段落 " + j.chunks_done + " / " + j.chunks_total : "正在读取与切分文档";
        say(verb + "：" + where + "…（" + Math.round((Date.now() - t0) / 1000) + " 秒）", "");
        setTimeout(tick, 700);
      }).catch(function () { setTimeout(tick, 1500); });
    }
    tick();
  }

  // Upload with a progress bar (XMLHttpRequest reports upload progress; fetch does not)
  function upload() {
    var input = $("kb-files");
    if (!input || !input.files.length) { say("请先选择文件。", "warn"); return; }
    var form = new FormData();
    for (var i = 0; i < input.files.length; i++) form.append("files", input.files[i]);
    var replace = $("kb-replace") && $("kb-replace").checked;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/documents" + (replace ? "?replace=true" : ""));
    var h = headers();
    for (var k in h) xhr.setRequestHeader(k, h[k]);
    var p = $("kb-progress");
    p.hidden = false; p.max = 100; p.value = 0;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { p.value = Math.round(100 * e.loaded / e.total); say("正在上传… " + p.value + "%", ""); }
    };
    xhr.onload = function () {
      if (xhr.status === 202) {
        var b = JSON.parse(xhr.responseText);
        input.value = "";
        say("已上传 " + b.files.map(function (f) { return esc(f.name); }).join("、") + "，正在索引…", "");
        load();
        follow(b.job, "上传");
      } else {
        p.hidden = true;
        say("上传被拒绝：" + esc(detail(xhr.responseText, xhr.status)) + "（原有文档和索引未受影响）", "bad");
      }
    };
    xhr.onerror = function () { p.hidden = true; say("上传失败：无法连接服务器", "bad"); };
    xhr.send(form);
  }

  function remove(row) {
    var title = row.querySelector(".kb-title").textContent;
    if (!window.confirm("确定删除《" + title + "》吗？删除后回答将不再引用它。")) return;
    fetch("/documents/" + encodeURIComponent(row.getAttribute("data-doc")), {method: "DELETE", headers: headers()})
      .then(function (r) { return r.json().then(function (b) { return {status: r.status, body: b}; }); })
      .then(function (res) {
        if (res.status === 202) { say("已删除文件，正在更新索引…", ""); load(); follow(res.body.job, "删除"); }
        else say("删除被拒绝：" + esc(res.body.detail || res.status), "bad");
      });
  }

  function preview(row) {
    var box = $("kb-preview");
    fetch("/documents/" + encodeURIComponent(row.getAttribute("data-doc")) + "/chunks")
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        if (!res.ok) { box.innerHTML = '<div class="kb-err">' + esc(res.body.detail) + "</div>"; return; }
        var b = res.body;
        box.innerHTML = '<div class="kb-preview-head">《' + esc(b.title) + "》切分为 " + b.count + " 段</div>" +
          b.chunks.map(function (c) {
            return '<details class="kb-chunk"><summary><span class="kb-n">' + (c.ordinal + 1) + "</span>" +
              '<span class="kb-path">' + esc(c.heading_path.join(" › ")) + '</span><span class="kb-len">' + c.chars + " 字</span></summary>" +
              '<div class="kb-chunk-text">' + esc(c.text) + "</div></details>";
          }).join("");
        box.scrollIntoView({behavior: "smooth", block: "nearest"});
      });
  }

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    if (t.closest("#kb-upload-btn")) { upload(); return; }
    if (t.closest("#kb-refresh")) { load(); return; }
    var row = t.closest("tr.kb-doc");
    if (row && t.closest(".kb-del")) { remove(row); return; }
    if (row && t.closest(".kb-prev")) { preview(row); return; }
    var tab = t.closest("button[role=tab]");
    if (tab && tab.textContent.indexOf("文档管理") >= 0) setTimeout(load, 150);
  }, true);
  // The tab's markup appears when Gradio renders it: fill the list then
  new MutationObserver(function () {
    var root = $("kb-root");
    if (root && !root.getAttribute("data-loaded")) load();
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
